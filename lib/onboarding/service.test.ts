// The wizard's rules proven against the simulator's seeded situations, as the signed-in admins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedQueue } from "../jobs/queue";
import { runNextVerificationAttempt, verifyOnce } from "../testing/verification";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { confirmAccessDoneElsewhere, createKeyForOnboarding, createVaultForOnboarding, grantAccess, grantMyselfKeyAccess, keysOfSelectedVault, searchVaults, selectKey, selectVault } from "./service";
import { appErrorOf as failure } from "../testing/app-error";

const db = testDb();
const { contoso, fabrikam, northwind } = SIM.customers;
const vaultId = (c: { subscriptionId: string; resourceGroup: string; vaultName: string }) =>
  `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.KeyVault/vaults/${c.vaultName}`;
let sim: SimHandle;
const sessions: Record<string, SessionUser> = {};
const ctx = (name: string) => ({ db, user: sessions[name]! });


beforeAll(async () => {
  sim = await startSimForTests();
  for (const [name, tenantId] of [["contosoAdmin", contoso.tenantId], ["fabrikamAdmin", fabrikam.tenantId], ["northwindAdmin", northwind.tenantId]] as const) {
    sim.faults.grantConsent(SIM.cmkAppClientId, tenantId);
    sessions[name] = await sessionFor(sim, db, name);
    await confirmConsent(db, sessions[name]!);
  }
  sessions.contosoKeyAdmin = await sessionFor(sim, db, "contosoKeyAdmin");
}, 60_000);

afterAll(async () => {
  await closeSharedQueue();
  await sim.stop();
});

describe("key vault step against the simulator", () => {
  it("lists the admin's vaults with their readiness", async () => {
    const page = await searchVaults(ctx("contosoAdmin"), { subscriptionId: contoso.subscriptionId });
    expect(page.vaults.map((v) => [v.name, v.readiness])).toEqual([[contoso.vaultName, "pass"]]);
    const search = await searchVaults(ctx("contosoAdmin"), { subscriptionId: contoso.subscriptionId, search: "nothing-like-this" });
    expect(search.total).toBe(0);
  });

  it("blocks the access-policy vault without purge protection (Fabrikam)", async () => {
    const error = await failure(selectVault(ctx("fabrikamAdmin"), { vaultResourceId: vaultId(fabrikam) }));
    expect(error.safeMessage).toContain("purge protection");
    expect((await db.onboarding.findFirstOrThrow({ where: { customerTenant: { tenantId: fabrikam.tenantId } } })).vaultResourceId).toBeNull();
  });

  it("blocks the vault in a region the provider does not serve (Northwind)", async () => {
    const error = await failure(selectVault(ctx("northwindAdmin"), { vaultResourceId: vaultId(northwind) }));
    expect(error.safeMessage).toContain("region");
  });

  it("refuses another tenant's vault", async () => {
    const error = await failure(selectVault(ctx("contosoAdmin"), { vaultResourceId: vaultId(northwind) }));
    expect(error.code).toBe("AZURE_ERROR");
  });

  it("creates a correctly configured vault and key for Northwind in a supported region", async () => {
    const wrongRegion = await failure(createVaultForOnboarding(ctx("northwindAdmin"), { subscriptionId: northwind.subscriptionId, resourceGroup: northwind.resourceGroup, name: "nw-cmk-au", region: "australiaeast" }));
    expect(wrongRegion.fields).toHaveProperty("region");
    await createVaultForOnboarding(ctx("northwindAdmin"), { subscriptionId: northwind.subscriptionId, resourceGroup: northwind.resourceGroup, name: "nw-cmk-we", region: "westeurope" });
    const created = sim.state.vaults.values().find((v) => v.name === "nw-cmk-we");
    expect(created).toMatchObject({ enableRbacAuthorization: true, enablePurgeProtection: true, enableSoftDelete: true, location: "westeurope" });
    const { keyUrl } = await createKeyForOnboarding(ctx("northwindAdmin"), { name: "nw-disk-key", keyType: "RSA", keySize: 4096, rotation: { rotateEveryDays: 180, expiryDays: 365, notifyDaysBeforeExpiry: 30 } });
    expect(keyUrl).toMatch(/\/keys\/nw-disk-key\/[0-9a-f]{32}$/);
    expect((await db.onboarding.findFirstOrThrow({ where: { customerTenant: { tenantId: northwind.tenantId } } })).step).toBe("ACCESS");
  });
});

describe("key, access and verification against the simulator", () => {
  it("explains that an Owner needs a Key Vault data role on an RBAC vault, and assigns it on request", async () => {
    await selectVault(ctx("contosoAdmin"), { vaultResourceId: vaultId(contoso) });
    const refused = await failure(keysOfSelectedVault(ctx("contosoAdmin")));
    expect(refused).toMatchObject({ code: "FORBIDDEN", azureCode: "ForbiddenByRbac" });
    expect(refused.fix).toContain("Key Vault Crypto Officer");
    await grantMyselfKeyAccess(ctx("contosoAdmin"));
    await grantMyselfKeyAccess(ctx("contosoAdmin"));
    const officer = sim.state.roleAssignments.values().filter((r) => r.principalId === sessions.contosoAdmin!.userOid && r.scope === vaultId(contoso));
    expect(officer).toHaveLength(1);
    expect(officer[0]!.roleDefinitionId).toMatch(/14b46e9e-c2b7-41b4-b07b-48a6ebf60603$/);
  });

  it("lists keys with their checks and pins a versioned key URL", async () => {
    const { keys } = await keysOfSelectedVault(ctx("contosoAdmin"));
    expect(keys.map((k) => [k.name, k.keyType, k.keySize, k.readiness])).toEqual([[contoso.keyName, "RSA", 3072, "pass"]]);
    expect(keys[0]!.versionCount).toBeGreaterThanOrEqual(1);
    const { keyUrl } = await selectKey(ctx("contosoAdmin"), { keyName: contoso.keyName });
    expect(keyUrl).toBe(keys[0]!.keyUriWithVersion.replace(/\/+$/, ""));
  });

  it("gives the snippet path to an admin who cannot assign roles, then confirms once it is done", async () => {
    const outcome = await grantAccess(ctx("contosoKeyAdmin"));
    expect(outcome).toMatchObject({ status: "needs-admin", snippets: { cli: expect.stringContaining("az role assignment create") } });
    expect((await failure(confirmAccessDoneElsewhere(ctx("contosoKeyAdmin")))).safeMessage).toContain("does not have access");
  });

  it("assigns the role at the key's scope, idempotently", async () => {
    expect(await grantAccess(ctx("contosoAdmin"))).toMatchObject({ status: "granted", method: "role-assignment", existed: false });
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId } });
    const assignments = sim.state.roleAssignments.values().filter((r) => r.principalId === tenant.servicePrincipalObjectId);
    expect(assignments).toHaveLength(1);
    expect(assignments[0]).toMatchObject({ scope: `${vaultId(contoso)}/keys/${contoso.keyName}`, principalType: "ServicePrincipal" });
    expect(assignments[0]!.roleDefinitionId).toMatch(/e147488a-f6f5-4113-8e2d-b22465e65bf6$/);
    await confirmAccessDoneElsewhere(ctx("contosoKeyAdmin"));
  });

  it("verifies from the provider side, waits out role propagation, and diagnoses a disabled key", async () => {
    sim.faults.setSettings({ propagationDelayMs: 60_000 });
    const contosoTenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId } });
    sim.faults.removeRoleAssignments({ principalId: contosoTenant.servicePrincipalObjectId! });
    await grantAccess(ctx("contosoAdmin"));
    const waiting = await verifyOnce(ctx("contosoAdmin"), { restart: true });
    expect(waiting).toMatchObject({ state: "waiting", problem: "ROLE_MISSING" });
    // Propagation completes (the assignment is made again without delay).
    sim.faults.setSettings({ propagationDelayMs: 0 });
    sim.faults.removeRoleAssignments({ principalId: contosoTenant.servicePrincipalObjectId! });
    await grantAccess(ctx("contosoAdmin"));

    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, false);
    expect(await runNextVerificationAttempt(db, contoso.tenantId)).toMatchObject({ state: "failed", problem: "KEY_DISABLED", title: "The key is disabled." });
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, true);

    expect(await verifyOnce(ctx("contosoAdmin"), { restart: true })).toMatchObject({ state: "verified" });
    expect((await db.onboarding.findFirstOrThrow({ where: { customerTenantId: contosoTenant.id } })).step).toBe("REVIEW");
  });

  it("diagnoses consent removed", async () => {
    sim.faults.revokeConsent(SIM.cmkAppClientId, contoso.tenantId);
    expect(await verifyOnce(ctx("contosoAdmin"), { restart: true })).toMatchObject({ state: "failed", problem: "CONSENT_REMOVED" });
    expect((await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId } })).consentStatus).toBe("REMOVED");
  });
});
