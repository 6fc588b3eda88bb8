import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { completeAdminConsent, confirmConsent, ConsentError, CONSENT_STATE_TTL_MS, startAdminConsent } from "./service";

const db = testDb();
const CONTOSO = SIM.customers.contoso.tenantId;
let sim: SimHandle;
let admin: SessionUser;
let otherAdminSession: SessionUser;

const stateOf = (url: string) => new URL(url).searchParams.get("state")!;

async function problemOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConsentError) return error.problem;
    throw error;
  }
  return "none";
}

beforeAll(async () => {
  sim = await startSimForTests();
  admin = await sessionFor(sim, db, "contosoAdmin");
  otherAdminSession = await sessionFor(sim, db, "contosoKeyAdmin");
}, 30_000);

afterAll(async () => {
  await sim.stop();
});

describe("admin consent", () => {
  it("sends the admin to their own tenant's adminconsent endpoint for the CMK app, with a fixed redirect URI", async () => {
    const url = new URL(await startAdminConsent(db, admin));
    expect(url.origin + url.pathname).toBe(`${sim.url}/${CONTOSO}/v2.0/adminconsent`);
    expect(url.searchParams.get("client_id")).toBe(SIM.cmkAppClientId);
    expect(url.searchParams.get("redirect_uri")).toBe("http://localhost:3000/api/consent/callback");
    expect(url.searchParams.get("scope")).toBe("https://graph.microsoft.com/.default");
    expect(stateOf(url.toString())).toMatch(/^[\w-]{40,}$/);
  });

  it("rejects tampered, foreign, replayed and expired states", async () => {
    const state = stateOf(await startAdminConsent(db, admin));
    expect(await problemOf(completeAdminConsent(db, admin, { state: `${state}x`, admin_consent: "True", tenant: CONTOSO }))).toBe("invalid-state");
    expect(await problemOf(completeAdminConsent(db, otherAdminSession, { state, admin_consent: "True", tenant: CONTOSO }))).toBe("invalid-state");
    expect(await problemOf(completeAdminConsent(db, admin, {}))).toBe("invalid-state");

    const old = stateOf(await startAdminConsent(db, admin, new Date(Date.now() - CONSENT_STATE_TTL_MS - 1000)));
    expect(await problemOf(completeAdminConsent(db, admin, { state: old, admin_consent: "True", tenant: CONTOSO }))).toBe("expired");
  });

  it("explains Entra's refusals in plain words and audits them", async () => {
    const declined = stateOf(await startAdminConsent(db, admin));
    expect(await problemOf(completeAdminConsent(db, admin, { state: declined, error: "access_denied", error_subcodes: "cancel", error_description: "AADSTS65004: User declined to consent to access the app." }))).toBe("declined");
    const notAdmin = stateOf(await startAdminConsent(db, admin));
    expect(await problemOf(completeAdminConsent(db, admin, { state: notAdmin, error: "access_denied", error_description: "AADSTS90094: Admin consent is required" }))).toBe("not-admin");
    const events = await db.auditEvent.findMany({ where: { action: "consent.grant", result: "FAILURE", actorId: admin.userOid } });
    expect(events.map((e) => (e.details as { problem: string }).problem)).toEqual(expect.arrayContaining(["declined", "not-admin"]));
  });

  it("never trusts the tenant parameter and does not record consent Graph cannot confirm", async () => {
    const wrong = stateOf(await startAdminConsent(db, admin));
    expect(await problemOf(completeAdminConsent(db, admin, { state: wrong, admin_consent: "True", tenant: SIM.customers.fabrikam.tenantId }))).toBe("wrong-tenant");
    // Entra says yes, but no service principal shows up in the tenant: not recorded as granted; the admin is asked to check again.
    const unconfirmed = stateOf(await startAdminConsent(db, admin));
    expect(await problemOf(completeAdminConsent(db, admin, { state: unconfirmed, admin_consent: "True", tenant: CONTOSO }, new Date(), [50, 50]))).toBe("replicating");
    expect((await db.customerTenant.findUniqueOrThrow({ where: { tenantId: CONTOSO } })).consentStatus).toBe("NOT_GRANTED");
    expect(await problemOf(confirmConsent(db, admin))).toBe("not-confirmed");
  });

  it("waits for the new service principal to replicate instead of failing consent", async () => {
    sim.faults.setSettings({ servicePrincipalReplicationMs: 2_500 });
    try {
      sim.faults.grantConsent(SIM.cmkAppClientId, CONTOSO);
      expect(await problemOf(confirmConsent(db, admin))).toBe("not-confirmed");
      const state = stateOf(await startAdminConsent(db, admin));
      const started = Date.now();
      const { servicePrincipalObjectId } = await completeAdminConsent(db, admin, { state, admin_consent: "True", tenant: CONTOSO });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(servicePrincipalObjectId).toBe(sim.state.servicePrincipal(SIM.cmkAppClientId, CONTOSO)?.id);
      expect((await db.customerTenant.findUniqueOrThrow({ where: { tenantId: CONTOSO } })).consentStatus).toBe("GRANTED");
    } finally {
      sim.faults.setSettings({ servicePrincipalReplicationMs: 0 });
      sim.faults.revokeConsent(SIM.cmkAppClientId, CONTOSO);
      await db.customerTenant.update({ where: { tenantId: CONTOSO }, data: { consentStatus: "NOT_GRANTED", servicePrincipalObjectId: null, consentGrantedAt: null } });
    }
  }, 20_000);

  it("confirms consent through Graph, stores the service principal object id and opens the vault step", async () => {
    // The CMK app has no Graph permission at all: it confirms consent by reading its own service principal.
    expect(sim.state.applications.get(SIM.cmkAppClientId)?.graphApplicationPermissions).toEqual([]);
    sim.faults.grantConsent(SIM.cmkAppClientId, CONTOSO);
    const state = stateOf(await startAdminConsent(db, admin));
    const { servicePrincipalObjectId } = await completeAdminConsent(db, admin, { state, admin_consent: "True", tenant: CONTOSO });
    const expected = [...sim.state.servicePrincipals.values()].find((sp) => sp.tenantId === CONTOSO && sp.appId === SIM.cmkAppClientId);
    expect(servicePrincipalObjectId).toBe(expected?.id);
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: CONTOSO }, include: { onboarding: true } });
    expect(tenant).toMatchObject({ consentStatus: "GRANTED", servicePrincipalObjectId: expected?.id });
    expect(tenant.onboarding?.step).toBe("KEY_VAULT");
    expect(await problemOf(completeAdminConsent(db, admin, { state, admin_consent: "True", tenant: CONTOSO }))).toBe("invalid-state");
  });

  it("detects consent removed later in the customer's tenant", async () => {
    sim.faults.revokeConsent(SIM.cmkAppClientId, CONTOSO);
    expect(await problemOf(confirmConsent(db, admin))).toBe("removed");
    expect((await db.customerTenant.findUniqueOrThrow({ where: { tenantId: CONTOSO } })).consentStatus).toBe("REMOVED");
  });
});
