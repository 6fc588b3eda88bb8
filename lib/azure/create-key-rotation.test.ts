// The wizard's key creation sends a rotation policy Key Vault accepts, and refuses one it would not before calling ARM.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/core-auth";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { personaCredential } from "../../e2e/azure-sim/testing";
import { startSimForTests } from "../testing/sim";
import { createKey } from "./customer-arm";

const { contoso } = SIM.customers;
const ref = { subscriptionId: contoso.subscriptionId, resourceGroup: contoso.resourceGroup, vaultName: contoso.vaultName, vaultResourceId: `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}` };
let sim: SimHandle;
let credential: TokenCredential;

beforeAll(async () => {
  sim = await startSimForTests();
  credential = await personaCredential(sim, "contosoKeyAdmin");
}, 60_000);
afterAll(async () => sim?.stop());

describe("key creation with a rotation policy", () => {
  it("refuses rotation less than 7 days before expiry, naming the field, without creating the key", async () => {
    await expect(createKey(credential, ref, { name: "short-life", keyType: "RSA", keySize: 2048, rotation: { rotateEveryDays: 25, expiryDays: 28, notifyDaysBeforeExpiry: 7 } }))
      .rejects.toMatchObject({ code: "VALIDATION_FAILED", fields: { "rotation.rotateEveryDays": expect.stringContaining("21 days or fewer") } });
    expect(sim.state.vaultByName(contoso.vaultName)!.keys.has("short-life")).toBe(false);
  });

  it("creates the key with the policy Key Vault stores", async () => {
    await createKey(credential, ref, { name: "rotating", keyType: "RSA", keySize: 3072, rotation: { rotateEveryDays: 180, expiryDays: 365, notifyDaysBeforeExpiry: 30 } });
    expect(sim.state.vaultByName(contoso.vaultName)!.keys.get("rotating")?.rotationPolicy).toMatchObject({
      attributes: { expiryTime: "P365D" },
      lifetimeActions: [{ trigger: { timeAfterCreate: "P180D" }, action: { type: "rotate" } }, { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } }],
    });
  });
});
