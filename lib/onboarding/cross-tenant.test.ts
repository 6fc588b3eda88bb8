// A customer admin pointing the wizard at another tenant's vault: refused (by Azure, or by our own tenant
// check), and audited with what was attempted, the target and the reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { selectVaultAction } from "./actions";

const db = testDb();
const { contoso, northwind } = SIM.customers;
const vaultId = (c: { subscriptionId: string; resourceGroup: string; vaultName: string }) => `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.KeyVault/vaults/${c.vaultName}`;
let sim: SimHandle;
let admin: SessionUser;

beforeAll(async () => {
  sim = await startSimForTests();
  sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  admin = await sessionFor(sim, db, "contosoAdmin");
  await confirmConsent(db, admin);
}, 60_000);

afterAll(async () => {
  await sim.stop();
});

describe("cross-tenant selectVault", () => {
  it("is refused by Azure (InvalidAuthenticationTokenTenant) and audited with the attempted vault, subscription and reason", async () => {
    const target = vaultId(northwind);
    const result = await selectVaultAction.run(admin, { vaultResourceId: target }, db);
    expect(result).toMatchObject({ ok: false, error: { code: "AZURE_ERROR" } });
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId } });
    const row = await db.auditEvent.findFirstOrThrow({ where: { actorId: admin.userOid, action: "onboarding.select_vault.cross_tenant" }, orderBy: { seq: "desc" } });
    expect(row).toMatchObject({
      result: "DENIED",
      actorType: "CUSTOMER",
      actorTenantId: contoso.tenantId,
      customerTenantId: tenant.id,
      targetType: "vault",
      targetId: target,
      details: expect.objectContaining({ attemptedAction: "onboarding.select_vault", vaultResourceId: target, subscriptionId: northwind.subscriptionId, reason: "azure-refused", azureCode: "InvalidAuthenticationTokenTenant" }),
    });
    expect((await db.onboarding.findFirstOrThrow({ where: { customerTenantId: tenant.id } })).vaultResourceId).toBeNull();
  });

  it("is refused by our own tenant check when the vault answers for another tenant, and audited with the reason", async () => {
    // A vault in the admin's own subscription whose Entra tenant is another one (as after a subscription move).
    const vault = sim.state.vaultByName(contoso.vaultName)!;
    const original = vault.tenantId;
    vault.tenantId = northwind.tenantId;
    try {
      const result = await selectVaultAction.run(admin, { vaultResourceId: vaultId(contoso) }, db);
      expect(result).toMatchObject({ ok: false, error: { code: "FORBIDDEN", message: expect.stringContaining("another organization") } });
    } finally {
      vault.tenantId = original;
    }
    const row = await db.auditEvent.findFirstOrThrow({ where: { actorId: admin.userOid, action: "onboarding.select_vault.cross_tenant" }, orderBy: { seq: "desc" } });
    expect(row).toMatchObject({ result: "DENIED", targetId: vaultId(contoso), details: expect.objectContaining({ reason: "tenant-check", vaultTenantId: northwind.tenantId, subscriptionId: contoso.subscriptionId }) });
  });
});
