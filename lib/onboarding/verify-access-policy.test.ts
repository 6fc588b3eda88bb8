// Verification on an access-policy vault: the wrap permission is read from the vault's access policy before the
// probe, and the probe's wrap reaches Key Vault (the SDK would wrap RSA-OAEP locally and prove nothing).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedQueue } from "../jobs/queue";
import { verifyOnce } from "../testing/verification";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { probeCustomerKey } from "../azure/key-probe";
import { grantAccess, selectKey, selectVault } from "./service";

const db = testDb();
const { fabrikam } = SIM.customers;
const vaultResourceId = `/subscriptions/${fabrikam.subscriptionId}/resourceGroups/${fabrikam.resourceGroup}/providers/Microsoft.KeyVault/vaults/${fabrikam.vaultName}`;
let sim: SimHandle;
let admin: SessionUser;
let keyUrl: string;
const ctx = () => ({ db, user: admin });
const vault = () => sim.state.vaultByName(fabrikam.vaultName)!;
const appPolicy = async () => {
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: fabrikam.tenantId } });
  return vault().accessPolicies.find((p) => p.objectId === tenant.servicePrincipalObjectId)!;
};

beforeAll(async () => {
  sim = await startSimForTests();
  // Fabrikam's access-policy vault, with purge protection turned on so that it passes the vault step.
  vault().enablePurgeProtection = true;
  sim.faults.grantConsent(SIM.cmkAppClientId, fabrikam.tenantId);
  admin = await sessionFor(sim, db, "fabrikamAdmin");
  await confirmConsent(db, admin);
  await selectVault(ctx(), { vaultResourceId });
  keyUrl = (await selectKey(ctx(), { keyName: fabrikam.keyName })).keyUrl;
  expect(await grantAccess(ctx())).toMatchObject({ status: "granted", method: "access-policy" });
}, 60_000);

afterAll(async () => {
  await closeSharedQueue();
  await sim?.stop();
});

describe("access-policy vault", () => {
  it("a policy without wrap key fails verification at once, naming the missing permission", async () => {
    const policy = await appPolicy();
    policy.permissions.keys = ["get", "unwrapKey"];
    const outcome = await verifyOnce(ctx(), { restart: true });
    expect(outcome).toMatchObject({ state: "failed", problem: "ACCESS_POLICY_INCOMPLETE", title: expect.stringContaining("wrapKey") });
  });

  it("the probe itself is refused by Key Vault's wrap without the permission (the wrap is not done locally)", async () => {
    (await appPolicy()).permissions.keys = ["get", "unwrapKey"];
    expect(await probeCustomerKey(fabrikam.tenantId, keyUrl)).toMatchObject({ ok: false, problem: "ROLE_MISSING" });
    (await appPolicy()).permissions.keys = ["get", "wrapKey", "unwrapKey"];
    expect(await probeCustomerKey(fabrikam.tenantId, keyUrl)).toMatchObject({ ok: true });
  });

  it("with get, wrap key and unwrap key it verifies and says what was proven", async () => {
    (await appPolicy()).permissions.keys = ["get", "wrapKey", "unwrapKey"];
    const outcome = await verifyOnce(ctx(), { restart: true });
    expect(outcome).toMatchObject({ state: "verified", keyUrl, proven: expect.stringContaining("access policy grants get, wrap key and unwrap key") });
  });
});
