// Rotation on an access-policy vault (Fabrikam) against the simulator: without the List key permission the
// newest version cannot be found, and both consoles say why and what to do instead; a key URL supplied by hand
// is checked before any connection, and what the person typed is never written to the audit log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { startHostileVault, type HostileVault } from "../testing/hostile-vault";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { rotateKeyAction } from "./actions";
import { rotateToNewestVersionAction } from "./customer-actions";
import { keyOverview } from "./rotation";
import { providerCompute } from "./testing";

const db = testDb();
const { fabrikam } = SIM.customers;
const VAULT_ID = `/subscriptions/${fabrikam.subscriptionId}/resourceGroups/${fabrikam.resourceGroup}/providers/Microsoft.KeyVault/vaults/${fabrikam.vaultName}`;
let sim: SimHandle;
let support: SessionUser;
let customer: SessionUser;
let hostile: HostileVault;
let ids: { customerTenantId: string; diskEncryptionSetId: string };
let appPolicy: { permissions: { keys: string[] } };

beforeAll(async () => {
  sim = await startSimForTests();
  hostile = await startHostileVault({ tenantId: fabrikam.tenantId });
  support = await sessionFor(sim, db, "support");
  customer = await sessionFor(sim, db, "fabrikamAdmin");
  // Fabrikam onboarded on its access-policy vault: the CMK app's policy has exactly what onboarding grants.
  const vault = sim.state.vaultByName(fabrikam.vaultName)!;
  vault.enablePurgeProtection = true;
  const spId = sim.faults.grantConsent(SIM.cmkAppClientId, fabrikam.tenantId);
  appPolicy = { permissions: { keys: ["get", "wrapKey", "unwrapKey"] } };
  vault.accessPolicies.push({ tenantId: fabrikam.tenantId, objectId: spId, permissions: { keys: appPolicy.permissions.keys, secrets: [] } });
  appPolicy = vault.accessPolicies.at(-1)!;
  const key = vault.keys.get(fabrikam.keyName.toLowerCase())!;
  const keyUrl = sim.state.keyId(vault, key.name, key.versions[0]!.version);
  const des = await providerCompute(sim).diskEncryptionSets.beginCreateOrUpdateAndWait(SIM.providerResourceGroup, "cmk-fabrikam-westeurope", {
    location: "westeurope",
    encryptionType: "EncryptionAtRestWithCustomerKey",
    activeKey: { keyUrl },
    federatedClientId: SIM.cmkAppClientId,
    identity: { type: "UserAssigned", userAssignedIdentities: { [SIM.uami.resourceId]: {} } },
  }, { updateIntervalInMs: 20 });
  const tenant = await db.customerTenant.update({ where: { tenantId: fabrikam.tenantId }, data: { consentStatus: "GRANTED", servicePrincipalObjectId: spId, healthState: "HEALTHY" } });
  const url = new URL(keyUrl);
  const keyReference = await db.keyReference.create({
    data: { customerTenantId: tenant.id, vaultResourceId: VAULT_ID, vaultUri: `${url.origin}/`, keyName: key.name, keyVersion: key.versions[0]!.version, keyUrl, keyType: "RSA", keySize: 2048, permissionModel: "ACCESS_POLICY", region: "westeurope" },
  });
  const row = await db.diskEncryptionSet.create({
    data: { customerTenantId: tenant.id, region: "westeurope", name: "cmk-fabrikam-westeurope", armId: des.id!, provisioningState: "SUCCEEDED", healthState: "HEALTHY", keyReferenceId: keyReference.id, rotationToLatest: false },
  });
  ids = { customerTenantId: tenant.id, diskEncryptionSetId: row.id };
}, 90_000);

afterAll(async () => {
  await hostile?.stop();
  await sim?.stop();
});

describe("newest version on an access-policy vault without List", () => {
  it("support is told why and pointed to the key-URL switch, not shown a bare 403", async () => {
    const result = await rotateKeyAction.run(support, ids, db);
    expect(result).toMatchObject({ ok: false, error: { code: "FORBIDDEN", message: expect.stringContaining("not List"), fix: expect.stringContaining("Key Identifier") } });
    const [overview] = await keyOverview(db, ids.customerTenantId);
    expect(overview).toMatchObject({ versionsListForbidden: true, versionsError: { code: "FORBIDDEN" } });
  });

  it("the customer is told which optional permission to add", async () => {
    const result = await rotateToNewestVersionAction.run(customer, {}, db);
    expect(result).toMatchObject({ ok: false, error: { code: "FORBIDDEN", fix: expect.stringContaining("Add “List”") } });
  });

  it("with List added, the versions are read", async () => {
    appPolicy.permissions.keys = ["get", "list", "wrapKey", "unwrapKey"];
    const [overview] = await keyOverview(db, ids.customerTenantId);
    expect(overview?.versionsListForbidden).toBeUndefined();
    expect(overview?.versions).toHaveLength(1);
    appPolicy.permissions.keys = ["get", "wrapKey", "unwrapKey"];
  });
});

describe("a key URL supplied by hand", () => {
  it.each([
    ["an IP address", () => `https://127.0.0.1:${hostile.port}/keys/k/${"a".repeat(32)}`, "IP address"],
    ["credentials", () => `https://user:s3cret-pass@${fabrikam.vaultName}.vault.localhost:${hostile.port}/keys/k/${"a".repeat(32)}`, "user name or password"],
    ["an unknown host", () => `https://metadata.localhost:${hostile.port}/keys/k/${"a".repeat(32)}`, "not a Key Vault address"],
  ])("with %s is refused before any connection, and the audit log keeps none of it", async (_what, keyUrl, reason) => {
    const before = await db.auditEvent.count();
    const result = await rotateKeyAction.run(support, { ...ids, keyUrl: keyUrl() }, db);
    expect(result).toMatchObject({ ok: true, data: { accepted: false, checks: [{ id: "url", status: "fail", reason: expect.stringContaining(reason) }] } });
    expect(hostile.connections()).toBe(0);
    const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" }, skip: before });
    expect(events.map((e) => e.action)).toEqual(["support.rotate.request"]);
    const recorded = JSON.stringify(events, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
    expect(recorded).not.toContain("s3cret");
    expect(recorded).not.toContain(String(hostile.port));
  });
});

describe("a key URL in a vault of another tenant", () => {
  it("says which tenant the vault belongs to and what to ask the customer for, not that Key Vault did not answer", async () => {
    const { contoso } = SIM.customers;
    const vault = sim.state.vaultByName(contoso.vaultName)!;
    const key = [...vault.keys.values()][0]!;
    const keyUrl = sim.state.keyId(vault, key.name, key.versions[0]!.version);
    const result = await rotateKeyAction.run(support, { ...ids, keyUrl }, db);
    expect(result).toMatchObject({ ok: true, data: { accepted: false } });
    const read = result.ok && !result.data.accepted ? result.data.checks.find((c) => c.id === "read") : undefined;
    expect(read).toMatchObject({ status: "fail", reason: expect.stringContaining(`another Microsoft Entra tenant (${contoso.tenantId})`), fix: expect.stringContaining("a vault of their own tenant") });
    expect(read?.reason).not.toContain("did not answer");
  });
});
