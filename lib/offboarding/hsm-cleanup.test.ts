// Offboarding a customer whose key is in a Managed HSM pool: the provider app's access is a local role assignment in
// the pool's own RBAC (not Azure RBAC). "Do it for me" removes the one onboarding made, as the admin, through the
// pool's data plane; "Check" reads the pool's assignments; the manual steps name the pool. The pool's own permission
// rules apply: only a local Administrator, Crypto Officer or Policy Administrator may remove an assignment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { HSM_ROLES, SIM } from "../../e2e/azure-sim/seed";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { selectHsm } from "../onboarding/managed-hsm";
import { grantAccess, selectKey } from "../onboarding/service";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import { checkOffboardingCleanupAction, cleanupOffboardingAction } from "./actions";
import { cleanupPlan } from "./cleanup";

const db = testDb();
const woodgrove = SIM.hsmCustomer;
const hsmId = `/subscriptions/${woodgrove.subscriptionId}/resourceGroups/${woodgrove.resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${woodgrove.hsmName}`;
let sim: SimHandle;
let wanda: SessionUser;
let sp: string;
let offboardingId: string;
const pool = () => sim.state.hsmByName(woodgrove.hsmName)!;
const localRolesOfSp = () => [...pool().roleAssignments.values()].filter((ra) => ra.principalId === sp);

beforeAll(async () => {
  sim = await startSimForTests();
  sp = sim.faults.grantConsent(SIM.cmkAppClientId, woodgrove.tenantId);
  wanda = await sessionFor(sim, db, "woodgroveAdmin");
  await confirmConsent(db, wanda);
  // Onboarding's access step: the local role on the key, under the portal's deterministic name.
  await selectHsm({ db, user: wanda }, { hsmResourceId: hsmId });
  await selectKey({ db, user: wanda }, { keyName: woodgrove.keyName });
  expect(await grantAccess({ db, user: wanda })).toMatchObject({ status: "granted" });
  expect(localRolesOfSp()).toHaveLength(1);
  // The provider's side is done: the DES is gone, the customer's clean-up is next.
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: woodgrove.tenantId } });
  const hsmUri = sim.state.vaultUri(pool()).replace(/\/$/, "");
  const key = await db.keyReference.create({
    data: { customerTenantId: tenant.id, vaultResourceId: hsmId, vaultUri: hsmUri, keyName: woodgrove.keyName, keyVersion: "v1", keyUrl: `${hsmUri}/keys/${woodgrove.keyName}/v1`, keyType: "RSA-HSM", keySize: 3072, permissionModel: "MANAGED_HSM", region: woodgrove.location },
  });
  await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: woodgrove.location, name: "des-woodgrove", provisioningState: "DELETED", keyReferenceId: key.id } });
  offboardingId = (await db.offboarding.create({ data: { customerTenantId: tenant.id, state: "PROVIDER_DONE", diskPolicy: "platform-key", requestedByOid: wanda.userOid, requestedByName: wanda.userName, impact: {} } })).id;
}, 90_000);

afterAll(async () => {
  await sim?.stop();
});

describe("a Managed HSM customer's clean-up", () => {
  it("the manual steps name the pool and the key's local scope", () => {
    const plan = cleanupPlan({ tenantId: woodgrove.tenantId, servicePrincipalObjectId: sp }, [{ vaultResourceId: hsmId, vaultUri: "https://woodgrove-hsm.managedhsm.azure.net", keyName: woodgrove.keyName, permissionModel: "MANAGED_HSM" }]);
    expect(plan.access).toEqual([expect.objectContaining({ kind: "hsm-role", hsmName: woodgrove.hsmName, keyName: woodgrove.keyName, scope: `/keys/${woodgrove.keyName}` })]);
    expect(plan.steps.cli).toBe(`az keyvault role assignment delete --hsm-name ${woodgrove.hsmName} --assignee ${sp} --scope /keys/${woodgrove.keyName}\naz ad sp delete --id ${sp}`);
    expect(plan.steps.powershell).toContain(`Remove-AzKeyVaultRoleAssignment -HsmName ${woodgrove.hsmName} -ObjectId ${sp} -Scope /keys/${woodgrove.keyName}`);
  });

  it("'check' sees the local role still there, and an admin without a local role that may remove it gets the reason, with nothing changed", async () => {
    expect(await checkOffboardingCleanupAction.run(wanda, { offboardingId }, db)).toMatchObject({ ok: true, data: { state: "CUSTOMER_CLEANUP", access: "still-there" } });
    const administrator = [...pool().roleAssignments.entries()].filter(([, ra]) => ra.principalId === wanda.userOid && ra.roleDefinitionId === HSM_ROLES.administrator);
    for (const [name] of administrator) pool().roleAssignments.delete(name);
    try {
      const refused = await cleanupOffboardingAction.run(wanda, { offboardingId }, db);
      expect(refused).toMatchObject({ ok: false, error: { code: "AZURE_ERROR", fix: expect.stringContaining("Managed HSM Administrator, Crypto Officer or Policy Administrator") } });
      expect(localRolesOfSp()).toHaveLength(1);
    } finally {
      for (const [name, ra] of administrator) pool().roleAssignments.set(name, ra);
    }
  });

  it("'do it for me' removes the local role through the pool's data plane; a second click finds it gone", async () => {
    expect(await cleanupOffboardingAction.run(wanda, { offboardingId }, db)).toMatchObject({ ok: true, data: { access: "removed", state: "CUSTOMER_CLEANUP" } });
    expect(localRolesOfSp()).toEqual([]);
    expect(await cleanupOffboardingAction.run(wanda, { offboardingId }, db)).toMatchObject({ ok: true, data: { access: "absent" } });
    expect(await checkOffboardingCleanupAction.run(wanda, { offboardingId }, db)).toMatchObject({ ok: true, data: { access: "absent" } });
    const row = await db.offboarding.findUniqueOrThrow({ where: { id: offboardingId } });
    expect(row.roleAssignmentRemovedAt).not.toBeNull();
  });
});
