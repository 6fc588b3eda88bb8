// On-behalf-of as the signed-in admin against the simulator's Entra, which (like Azure) issues tokens only for
// what was consented: missing consent and required MFA surface as their own error codes, not as an expired sign-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { PERSONAS, SIM } from "../../e2e/azure-sim/seed";
import { signInForCode } from "../../e2e/azure-sim/testing";
import { browserAuthConfig } from "../auth/browser-config";
import { createSession, type SessionUser } from "../auth/session-store";
import { CUSTOMER_ADMIN_ROLE } from "../auth/roles";
import { verifyPortalAccessToken } from "../auth/token-validation";
import { resetServerEnvForTests } from "../env";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import { delegatedCredential } from "./credentials";
import { listSubscriptions } from "./customer-arm";
import { ARM_SCOPE, VAULT_SCOPE } from "./endpoints";
import { appErrorOf as failure } from "../testing/app-error";

const db = testDb();
const { contoso } = SIM.customers;
let sim: SimHandle;

beforeAll(async () => {
  sim = await startSimForTests();
}, 60_000);
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => sim.reset());


/** Signs in the way the browser does: the sign-in request names the portal API plus what browserAuthConfig asks consent for. */
async function browserSignIn(persona: "contosoAdmin"): Promise<SessionUser> {
  const config = browserAuthConfig();
  const signIn = await signInForCode(sim, persona, [config.apiScope, ...config.consentScopes].join(" "));
  const response = await fetch(`${sim.url}/${PERSONAS[persona].tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost:3000" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: config.clientId, code: signIn.code, redirect_uri: signIn.redirectUri,
      code_verifier: signIn.codeVerifier, scope: config.apiScope }),
  });
  const { access_token: apiToken } = (await response.json()) as { access_token: string };
  const identity = await verifyPortalAccessToken(apiToken);
  return (await createSession(db, { kind: "CUSTOMER", identity, roles: [CUSTOMER_ADMIN_ROLE], apiToken })).user;
}

describe("delegated (on-behalf-of) credential", () => {
  it("missing consent for ARM is CONSENT_REQUIRED with Azure's code, not an expired sign-in", async () => {
    sim.faults.revokeDelegatedGrants(SIM.portalClientId, contoso.tenantId, "https://management.azure.com");
    const user = await sessionFor(sim, db, "contosoAdmin");
    const error = await failure(listSubscriptions(delegatedCredential(db, user)));
    expect(error).toMatchObject({ code: "CONSENT_REQUIRED", azureCode: "AADSTS65001" });
    expect(error.safeMessage).toMatch(/not consented to the portal managing Azure resources on your behalf/);
    expect(error.fix).toMatch(/admin consent/);
  });

  it("a first sign-in in a tenant that never used the portal consents to ARM and Key Vault too: on-behalf-of works", async () => {
    sim.faults.revokeConsent(SIM.portalClientId, contoso.tenantId);
    const user = await browserSignIn("contosoAdmin");
    const credential = delegatedCredential(db, user);
    expect((await listSubscriptions(credential)).map((s) => s.id)).toContain(contoso.subscriptionId);
    await expect(credential.getToken(VAULT_SCOPE)).resolves.toMatchObject({ token: expect.any(String) });
  });

  it("Conditional Access MFA for ARM is INTERACTION_REQUIRED", async () => {
    const user = await sessionFor(sim, db, "contosoAdmin");
    sim.faults.requireMfa(contoso.tenantId);
    const error = await failure(delegatedCredential(db, user).getToken(ARM_SCOPE));
    expect(error).toMatchObject({ code: "INTERACTION_REQUIRED", azureCode: "AADSTS50076" });
  });

  it("works with v1 user tokens when the portal's API registration keeps requestedAccessTokenVersion null", async () => {
    sim.faults.setAccessTokenVersion(SIM.portalClientId, null);
    const user = await sessionFor(sim, db, "contosoAdmin");
    expect(user).toMatchObject({ tenantId: contoso.tenantId, userName: PERSONAS.contosoAdmin.upn });
    expect((await listSubscriptions(delegatedCredential(db, user))).map((s) => s.id)).toContain(contoso.subscriptionId);
  });
});

describe("on-behalf-of without a client secret (production)", () => {
  beforeEach(() => {
    delete process.env.PORTAL_CLIENT_SECRET;
    resetServerEnvForTests();
    // No secret exists on the portal app either: only the managed identity's federated assertion can authenticate it.
    const portal = sim.state.applications.get(SIM.portalClientId);
    if (portal) portal.clientSecret = undefined;
  });
  afterAll(() => {
    process.env.PORTAL_CLIENT_SECRET = sim.appEnv().PORTAL_CLIENT_SECRET;
    resetServerEnvForTests();
  });

  it("obtains an ARM token by presenting the provider UAMI's token as the portal app's client assertion", async () => {
    const user = await sessionFor(sim, db, "contosoAdmin");
    expect((await listSubscriptions(delegatedCredential(db, user))).map((s) => s.id)).toContain(contoso.subscriptionId);
  });

  it("is refused (AADSTS700213) when the portal app's federated credential does not name the managed identity", async () => {
    const fic = sim.state.applications.get(SIM.portalClientId)?.federatedIdentityCredentials.find((f) => f.name === SIM.portalFicName);
    if (!fic) throw new Error("the seed's portal app has no federated credential");
    fic.subject = "00000000-0000-4000-8000-000000000000";
    const user = await sessionFor(sim, db, "contosoAdmin");
    const error = await failure(delegatedCredential(db, user).getToken(ARM_SCOPE));
    expect(error).toMatchObject({ code: "AZURE_ERROR", azureCode: "AADSTS700213" });
  });
});
