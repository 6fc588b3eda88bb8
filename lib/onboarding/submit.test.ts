// Two admins submit at the same moment: one submission, one "already submitted" with who and when.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedQueue } from "../jobs/queue";
import { verifyOnce } from "../testing/verification";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { grantAccess, grantMyselfKeyAccess, selectKey, selectVault } from "./service";
import { submitAction } from "./submit-action";
import { customerStatus } from "./status";
import { actorLabel, listAuditEvents, parseAuditQuery } from "../audit/query";

const db = testDb();
const { contoso } = SIM.customers;
const vaultResourceId = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
let sim: SimHandle;
let connie: SessionUser;
let kim: SessionUser;

beforeAll(async () => {
  sim = await startSimForTests();
  sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  connie = await sessionFor(sim, db, "contosoAdmin");
  kim = await sessionFor(sim, db, "contosoKeyAdmin");
  await confirmConsent(db, connie);
  const ctx = { db, user: connie };
  await selectVault(ctx, { vaultResourceId });
  await grantMyselfKeyAccess(ctx);
  await selectKey(ctx, { keyName: contoso.keyName });
  await grantAccess(ctx);
  expect(await verifyOnce(ctx, { restart: true })).toMatchObject({ state: "verified" });
}, 90_000);

afterAll(async () => {
  await closeSharedQueue();
  await sim.stop();
});

describe("submitting onboarding", () => {
  it("lets exactly one of two concurrent submits win; the other is told who submitted and stays signed in", async () => {
    const results = await Promise.all([submitAction.run(connie, { rotationToLatest: true }, db), submitAction.run(kim, { rotationToLatest: true }, db)]);
    const won = results.filter((r) => r.ok);
    const lost = results.filter((r) => !r.ok);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = results[0]!.ok ? "Connie Admin" : "Kim Keyadmin";
    const error = lost[0]!.ok ? undefined : lost[0]!.error;
    expect(error?.code).toBe("CONFLICT");
    expect(error?.message).toMatch(new RegExp(`^Onboarding was already submitted by ${winner} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.$`));
    expect(error?.fix).toContain("status page");

    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId }, include: { onboarding: { include: { stepEvents: true } } } });
    expect(tenant.onboarding?.step).toBe("SUBMITTED");
    expect(tenant.onboarding?.stepEvents.filter((e) => e.step === "SUBMITTED").map((e) => e.actorName)).toEqual([winner]);
    const audits = await db.auditEvent.findMany({ where: { customerTenantId: tenant.id, action: "onboarding.submit" } });
    expect(audits).toHaveLength(1);
    expect(audits[0]!.details).toMatchObject({ displayName: winner });
    expect(await db.job.count({ where: { customerTenantId: tenant.id, kind: "PROVISION_DES" } })).toBe(1);
    expect(await db.diskEncryptionSet.count({ where: { customerTenantId: tenant.id } })).toBe(1);
  });

  it("answers a later submit the same way, without writing anything", async () => {
    const again = await submitAction.run(connie, { rotationToLatest: false }, db);
    expect(again).toMatchObject({ ok: false, error: { code: "CONFLICT", message: expect.stringContaining("already submitted by") } });
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId } });
    expect(await db.auditEvent.count({ where: { customerTenantId: tenant.id, action: "onboarding.submit" } })).toBe(1);
  });

  it("history names the vault and key and who did each step; the audit log names every customer actor", async () => {
    const status = await customerStatus(db, contoso.tenantId);
    const steps = status!.timeline.filter((e) => e.kind === "step").map((e) => [e.title, e.detail]);
    expect(steps).toContainEqual([`Key vault chosen: ${contoso.vaultName}`, "By Connie Admin"]);
    expect(steps).toContainEqual([`Key chosen: ${contoso.keyName}`, "By Connie Admin"]);
    expect(steps).toContainEqual([`Access granted: key ${contoso.keyName} in ${contoso.vaultName}`, "By Connie Admin"]);
    expect(steps.filter(([title]) => title === "Submitted")).toHaveLength(1);
    const scope = { kind: "customer" as const, customerTenantId: status!.tenant.id };
    const { rows } = await listAuditEvents(db, parseAuditQuery(new URLSearchParams()), scope);
    const customerRows = rows.filter((r) => r.actorType === "CUSTOMER");
    expect(customerRows.length).toBeGreaterThan(5);
    const who = new Set(customerRows.map((r) => actorLabel(r, scope)));
    expect([...who].filter((name) => name !== "Connie Admin" && name !== "Kim Keyadmin"), JSON.stringify(customerRows.map((r) => [r.action, actorLabel(r, scope)]))).toEqual([]);
  });
});
