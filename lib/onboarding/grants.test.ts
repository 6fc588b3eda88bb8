// Undoing what the portal granted: the wizard records every role assignment, access policy and Managed HSM local role
// assignment it creates, lists those on a vault, pool or key the admin moved away from, and removes them as the admin
// (Azure's own permission checks apply: deleting a role assignment needs Microsoft.Authorization/roleAssignments/delete,
// a local one in a pool roleAssignments/delete/action of the pool's RBAC). Idempotent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { HSM_ROLES, SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { abandonedGrants, removePortalGrant, selfGrantedDataRoles } from "./grants";
import { selectHsm } from "./managed-hsm";
import { createKeyForOnboarding, createVaultForOnboarding, grantAccess, grantMyselfKeyAccess, selectKey, selectVault } from "./service";

const db = testDb();
const { contoso, fabrikam } = SIM.customers;
const woodgrove = SIM.hsmCustomer;
const vaultId = (c: typeof contoso | typeof fabrikam) => `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.KeyVault/vaults/${c.vaultName}`;
let sim: SimHandle;
let connie: SessionUser;
let kim: SessionUser;
let fay: SessionUser;
let wanda: SessionUser;
let contosoSp: string;
let fabrikamSp: string;
let woodgroveSp: string;
const ctx = (user: SessionUser) => ({ db, user });
const assignmentsOf = (principalId: string) => sim.state.roleAssignments.values().filter((ra) => ra.principalId === principalId);

beforeAll(async () => {
  sim = await startSimForTests();
  contosoSp = sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  fabrikamSp = sim.faults.grantConsent(SIM.cmkAppClientId, fabrikam.tenantId);
  woodgroveSp = sim.faults.grantConsent(SIM.cmkAppClientId, woodgrove.tenantId);
  sim.state.vaultByName(fabrikam.vaultName)!.enablePurgeProtection = true;
  connie = await sessionFor(sim, db, "contosoAdmin");
  kim = await sessionFor(sim, db, "contosoKeyAdmin");
  fay = await sessionFor(sim, db, "fabrikamAdmin");
  wanda = await sessionFor(sim, db, "woodgroveAdmin");
  await confirmConsent(db, connie);
  await confirmConsent(db, fay);
  await confirmConsent(db, wanda);
}, 90_000);

afterAll(async () => {
  await sim?.stop();
});

describe("an RBAC vault: the provider's role on an abandoned key, and the admin's own data role", () => {
  it("records what the portal created and lists the grant on the key the admin moved away from", async () => {
    await selectVault(ctx(connie), { vaultResourceId: vaultId(contoso) });
    await grantMyselfKeyAccess(ctx(connie));
    await selectKey(ctx(connie), { keyName: contoso.keyName });
    await grantAccess(ctx(connie));
    expect(assignmentsOf(contosoSp)).toHaveLength(1);
    expect(await abandonedGrants(db, contoso.tenantId)).toEqual([]);

    await createKeyForOnboarding(ctx(connie), { name: "disk-key-2", keyType: "RSA", keySize: 3072 });
    const abandoned = await abandonedGrants(db, contoso.tenantId);
    expect(abandoned).toEqual([expect.objectContaining({ purpose: "PROVIDER_KEY_ACCESS", kind: "ROLE_ASSIGNMENT", where: `key ${contoso.keyName} in ${contoso.vaultName}`, createdByName: "Connie Admin" })]);
  });

  it("an admin who may not delete role assignments gets Azure's refusal with the permission it needs; nothing changes", async () => {
    const [grant] = await abandonedGrants(db, contoso.tenantId);
    await expect(removePortalGrant(ctx(kim), { grantId: grant!.id })).rejects.toMatchObject({ code: "AZURE_ERROR", azureCode: "AuthorizationFailed", fix: expect.stringContaining("roleAssignments/delete") });
    expect(assignmentsOf(contosoSp)).toHaveLength(1);
    expect(await abandonedGrants(db, contoso.tenantId)).toHaveLength(1);
    expect(await db.auditEvent.findFirst({ where: { action: "onboarding.remove_grant", result: "FAILURE" } })).not.toBeNull();
  });

  it("the admin removes it; a second removal is a no-op; both audited", async () => {
    const [grant] = await abandonedGrants(db, contoso.tenantId);
    expect(await removePortalGrant(ctx(connie), { grantId: grant!.id })).toEqual({ result: "removed" });
    expect(assignmentsOf(contosoSp)).toHaveLength(0);
    expect(await abandonedGrants(db, contoso.tenantId)).toEqual([]);
    expect(await removePortalGrant(ctx(connie), { grantId: grant!.id })).toEqual({ result: "already-gone" });
    const events = await db.auditEvent.findMany({ where: { action: "onboarding.remove_grant", result: "SUCCESS" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ targetType: "roleAssignment", targetId: expect.stringContaining(`/keys/${contoso.keyName}/providers/Microsoft.Authorization/roleAssignments/`) });
  });

  it("a grant someone already removed in Azure counts as gone (Azure answers 204)", async () => {
    await grantAccess(ctx(connie));
    await createKeyForOnboarding(ctx(connie), { name: "disk-key-3", keyType: "RSA", keySize: 3072 });
    const [grant] = await abandonedGrants(db, contoso.tenantId);
    for (const ra of assignmentsOf(contosoSp)) sim.state.roleAssignments.delete(ra.id);
    expect(await removePortalGrant(ctx(connie), { grantId: grant!.id })).toEqual({ result: "already-gone" });
  });

  it("the provider's access to the key in use is not offered and cannot be removed", async () => {
    await grantAccess(ctx(connie));
    const current = await db.portalGrant.findFirstOrThrow({ where: { keyName: "disk-key-3", removedAt: null } });
    await expect(removePortalGrant(ctx(connie), { grantId: current.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(assignmentsOf(contosoSp)).toHaveLength(1);
  });

  it("offers the admin's self-granted Key Vault Crypto Officer, and removes it", async () => {
    const roles = await selfGrantedDataRoles(db, contoso.tenantId);
    expect(roles).toEqual([expect.objectContaining({ purpose: "ADMIN_KEY_OFFICER", where: `vault ${contoso.vaultName}` })]);
    expect(assignmentsOf(connie.userOid).filter((ra) => ra.scope === vaultId(contoso))).toHaveLength(1);
    await removePortalGrant(ctx(connie), { grantId: roles[0]!.id });
    expect(assignmentsOf(connie.userOid).filter((ra) => ra.scope === vaultId(contoso))).toEqual([]);
    expect(await selfGrantedDataRoles(db, contoso.tenantId)).toEqual([]);
  });

  it("another tenant's grant is not found", async () => {
    const grant = await db.portalGrant.findFirstOrThrow({ where: { customerTenant: { tenantId: contoso.tenantId } } });
    await expect(removePortalGrant(ctx(fay), { grantId: grant.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("an access-policy vault: the provider's policy on an abandoned vault", () => {
  const policyOf = () => sim.state.vaultByName(fabrikam.vaultName)!.accessPolicies.find((p) => p.objectId === fabrikamSp);

  it("an entry that now holds more than the portal added is left alone, with what to do", async () => {
    await selectVault(ctx(fay), { vaultResourceId: vaultId(fabrikam) });
    await selectKey(ctx(fay), { keyName: fabrikam.keyName });
    await grantAccess(ctx(fay));
    expect(policyOf()?.permissions.keys).toEqual(["get", "wrapKey", "unwrapKey"]);
    await createVaultForOnboarding(ctx(fay), { subscriptionId: fabrikam.subscriptionId, resourceGroup: fabrikam.resourceGroup, name: "fabrikam-cmk-2", region: "westeurope" });
    const [grant] = await abandonedGrants(db, fabrikam.tenantId);
    expect(grant).toMatchObject({ kind: "ACCESS_POLICY", where: `vault ${fabrikam.vaultName}` });
    policyOf()!.permissions.secrets = ["get"];
    await expect(removePortalGrant(ctx(fay), { grantId: grant!.id })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("secrets/get") });
    expect(policyOf()).toBeDefined();
    policyOf()!.permissions.secrets = [];
  });

  it("removes the entry the portal created (PUT accessPolicies/remove), then finds it gone", async () => {
    const [grant] = await abandonedGrants(db, fabrikam.tenantId);
    expect(await removePortalGrant(ctx(fay), { grantId: grant!.id })).toEqual({ result: "removed" });
    expect(policyOf()).toBeUndefined();
    expect(await removePortalGrant(ctx(fay), { grantId: grant!.id })).toEqual({ result: "already-gone" });
  });
});

describe("a Managed HSM: the provider's local role on an abandoned key, removed through the pool's own role assignments", () => {
  const pool = () => sim.state.hsmByName(woodgrove.hsmName)!;
  const hsmId = `/subscriptions/${woodgrove.subscriptionId}/resourceGroups/${woodgrove.resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${woodgrove.hsmName}`;
  const localRolesOf = (principalId: string) => [...pool().roleAssignments.values()].filter((ra) => ra.principalId === principalId);

  it("records the local role the wizard assigns, and lists it once the admin moves to another key", async () => {
    await selectHsm(ctx(wanda), { hsmResourceId: hsmId });
    await selectKey(ctx(wanda), { keyName: woodgrove.keyName });
    expect(await grantAccess(ctx(wanda))).toMatchObject({ status: "granted", existed: false });
    const recorded = await db.portalGrant.findFirstOrThrow({ where: { customerTenant: { tenantId: woodgrove.tenantId } } });
    const [assignment] = localRolesOf(woodgroveSp);
    expect(recorded).toMatchObject({ kind: "HSM_ROLE_ASSIGNMENT", purpose: "PROVIDER_KEY_ACCESS", vaultResourceId: hsmId, keyName: woodgrove.keyName, principalId: woodgroveSp, roleDefinitionId: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${HSM_ROLES.cryptoServiceEncryptionUser}` });
    // The URL of the very assignment the pool holds: its data plane, the key's local scope and the assignment's name.
    expect(recorded.assignmentId).toBe(`${sim.state.vaultUri(pool()).replace(/\/$/, "")}/keys/${woodgrove.keyName}/providers/Microsoft.Authorization/roleAssignments/${assignment!.name}`);
    expect(await abandonedGrants(db, woodgrove.tenantId)).toEqual([]);

    await createKeyForOnboarding(ctx(wanda), { name: "woodgrove-disk-2", keyType: "RSA-HSM", keySize: 2048 });
    await grantAccess(ctx(wanda));
    expect(localRolesOf(woodgroveSp).map((ra) => ra.scope).sort()).toEqual([`/keys/${woodgrove.keyName}`, "/keys/woodgrove-disk-2"]);
    expect(await abandonedGrants(db, woodgrove.tenantId)).toEqual([
      expect.objectContaining({ kind: "HSM_ROLE_ASSIGNMENT", what: "The provider's Managed HSM local role “Managed HSM Crypto Service Encryption User”", where: `key ${woodgrove.keyName} in Managed HSM ${woodgrove.hsmName}`, createdByName: "Wanda Admin" }),
    ]);
  }, 60_000);

  it("an admin without role management on the pool gets the pool's refusal and what it needs; nothing changes", async () => {
    const [grant] = await abandonedGrants(db, woodgrove.tenantId);
    const administrator = [...pool().roleAssignments.entries()].filter(([, ra]) => ra.principalId === wanda.userOid && ra.roleDefinitionId === HSM_ROLES.administrator);
    for (const [name] of administrator) pool().roleAssignments.delete(name);
    try {
      await expect(removePortalGrant(ctx(wanda), { grantId: grant!.id })).rejects.toMatchObject({ code: "AZURE_ERROR", azureCode: "ForbiddenByRbac", fix: expect.stringContaining("Managed HSM Administrator, Crypto Officer or Policy Administrator") });
    } finally {
      for (const [name, ra] of administrator) pool().roleAssignments.set(name, ra);
    }
    expect(localRolesOf(woodgroveSp)).toHaveLength(2);
    expect(await abandonedGrants(db, woodgrove.tenantId)).toHaveLength(1);
    expect(await db.auditEvent.findFirst({ where: { action: "onboarding.remove_grant", result: "FAILURE", targetType: "hsmRoleAssignment" } })).toMatchObject({ details: expect.objectContaining({ azureCode: "ForbiddenByRbac" }) });
  });

  it("the admin removes it from the pool (the key in use keeps its role); a second removal is a no-op", async () => {
    const [grant] = await abandonedGrants(db, woodgrove.tenantId);
    expect(await removePortalGrant(ctx(wanda), { grantId: grant!.id })).toEqual({ result: "removed" });
    expect(localRolesOf(woodgroveSp).map((ra) => ra.scope)).toEqual(["/keys/woodgrove-disk-2"]);
    expect(await abandonedGrants(db, woodgrove.tenantId)).toEqual([]);
    expect(await removePortalGrant(ctx(wanda), { grantId: grant!.id })).toEqual({ result: "already-gone" });
    expect(await db.auditEvent.findMany({ where: { action: "onboarding.remove_grant", result: "SUCCESS", targetType: "hsmRoleAssignment" } })).toEqual([
      expect.objectContaining({ targetId: expect.stringContaining(`/keys/${woodgrove.keyName}/providers/Microsoft.Authorization/roleAssignments/`), details: expect.objectContaining({ outcome: "removed" }) }),
    ]);
    const current = await db.portalGrant.findFirstOrThrow({ where: { keyName: "woodgrove-disk-2" } });
    await expect(removePortalGrant(ctx(wanda), { grantId: current.id })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("an assignment someone already removed from the pool counts as gone", async () => {
    await selectKey(ctx(wanda), { keyName: woodgrove.keyName });
    const [grant] = await abandonedGrants(db, woodgrove.tenantId);
    expect(grant).toMatchObject({ where: `key woodgrove-disk-2 in Managed HSM ${woodgrove.hsmName}` });
    for (const ra of localRolesOf(woodgroveSp)) pool().roleAssignments.delete(ra.name);
    expect(await removePortalGrant(ctx(wanda), { grantId: grant!.id })).toEqual({ result: "already-gone" });
    expect(await abandonedGrants(db, woodgrove.tenantId)).toEqual([]);
  });
});
