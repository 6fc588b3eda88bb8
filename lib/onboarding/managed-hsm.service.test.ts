// The wizard's Managed HSM path against the simulator, as Woodgrove's admin: pools with checks, RSA-HSM keys, the
// local-RBAC grant (or the snippets when the admin may not assign), verification by the provider and submission.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedQueue } from "../jobs/queue";
import { verifyOnce } from "../testing/verification";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { HSM_ROLES, PERSONAS, SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { appErrorOf as failure } from "../testing/app-error";
import { hsmPoolsFor, keysOfSelectedHsm, selectHsm } from "./managed-hsm";
import { confirmAccessDoneElsewhere, createKeyForOnboarding, grantAccess, selectKey } from "./service";
import { submitOnboarding } from "./submit";

const db = testDb();
const woodgrove = SIM.hsmCustomer;
const hsmId = `/subscriptions/${woodgrove.subscriptionId}/resourceGroups/${woodgrove.resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${woodgrove.hsmName}`;
let sim: SimHandle;
let admin: SessionUser;
const ctx = () => ({ db, user: admin });
const pool = () => sim.state.hsmByName(woodgrove.hsmName)!;

beforeAll(async () => {
  sim = await startSimForTests();
  sim.faults.grantConsent(SIM.cmkAppClientId, woodgrove.tenantId);
  admin = await sessionFor(sim, db, "woodgroveAdmin");
  await confirmConsent(db, admin);
}, 60_000);
afterAll(async () => {
  await closeSharedQueue();
  await sim?.stop();
});

describe("Managed HSM onboarding", () => {
  it("lists the pool as ready, refuses it while not activated, and records the pool on the onboarding", async () => {
    expect((await hsmPoolsFor(ctx(), woodgrove.subscriptionId)).map((p) => [p.name, p.readiness])).toEqual([[woodgrove.hsmName, "pass"]]);
    pool().activated = false;
    expect((await failure(selectHsm(ctx(), { hsmResourceId: hsmId }))).safeMessage).toContain("activated");
    pool().activated = true;
    await selectHsm(ctx(), { hsmResourceId: hsmId });
    expect(await db.onboarding.findFirstOrThrow({ where: { customerTenant: { tenantId: woodgrove.tenantId } } })).toMatchObject({ vaultResourceId: hsmId, permissionModel: "MANAGED_HSM", region: "westeurope", step: "KEY" });
  });

  it("lists RSA-HSM keys with their checks and creates one through the same key action", async () => {
    const { keys } = await keysOfSelectedHsm(ctx());
    expect(keys.map((k) => [k.name, k.keyType, k.keySize, k.readiness])).toEqual([[woodgrove.keyName, "RSA-HSM", 3072, "pass"]]);
    const { keyUrl } = await createKeyForOnboarding(ctx(), { name: "woodgrove-disk-2", keyType: "RSA-HSM", keySize: 2048 });
    expect(keyUrl).toMatch(/^https:\/\/woodgrove-hsm\.managedhsm\.localhost:\d+\/keys\/woodgrove-disk-2\/[0-9a-f]{32}$/);
    expect(pool().keys.get("woodgrove-disk-2")?.versions[0]).toMatchObject({ kty: "RSA-HSM", keySize: 2048 });
    await selectKey(ctx(), { keyName: woodgrove.keyName });
  }, 90_000);

  it("offers the az/PowerShell snippets when the admin cannot assign in the pool's local RBAC, then grants at /keys/{name}", async () => {
    const adminRoles = [...pool().roleAssignments.entries()];
    for (const [name, ra] of adminRoles) if (ra.roleDefinitionId === HSM_ROLES.administrator) pool().roleAssignments.delete(name);
    const refused = await grantAccess(ctx());
    expect(refused).toMatchObject({ status: "needs-admin", snippets: { cli: expect.stringContaining(`az keyvault role assignment create \\\n  --hsm-name ${woodgrove.hsmName}`) } });
    expect((await failure(confirmAccessDoneElsewhere(ctx()))).safeMessage).toContain("does not have access");
    for (const [name, ra] of adminRoles) pool().roleAssignments.set(name, ra);

    expect(await grantAccess(ctx())).toMatchObject({ status: "granted", existed: false });
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: woodgrove.tenantId } });
    expect([...pool().roleAssignments.values()].filter((ra) => ra.principalId === tenant.servicePrincipalObjectId))
      .toEqual([expect.objectContaining({ scope: `/keys/${woodgrove.keyName}`, roleDefinitionId: HSM_ROLES.cryptoServiceEncryptionUser })]);
    expect(PERSONAS.woodgroveAdmin.tenantId).toBe(woodgrove.tenantId);
  });

  it("verifies from the provider side (waiting out propagation, diagnosing a disabled key) and submits a key reference for the pool", async () => {
    sim.faults.setKeyEnabled({ vault: woodgrove.hsmName, key: woodgrove.keyName }, false);
    expect(await verifyOnce(ctx(), { restart: true })).toMatchObject({ state: "failed", problem: "KEY_DISABLED" });
    sim.faults.setKeyEnabled({ vault: woodgrove.hsmName, key: woodgrove.keyName }, true);
    expect(await verifyOnce(ctx(), { restart: true })).toMatchObject({ state: "verified", proven: expect.stringContaining(woodgrove.hsmName) });

    await submitOnboarding(ctx(), { rotationToLatest: true });
    const reference = await db.keyReference.findFirstOrThrow({ where: { customerTenant: { tenantId: woodgrove.tenantId } } });
    expect(reference).toMatchObject({ vaultResourceId: hsmId, permissionModel: "MANAGED_HSM", keyType: "RSA-HSM", keySize: 3072, keyName: woodgrove.keyName, region: "westeurope" });
    expect(reference.vaultUri).toMatch(/^https:\/\/woodgrove-hsm\.managedhsm\.localhost:\d+\/$/);
  }, 60_000);
});
