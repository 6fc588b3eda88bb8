import { describe, expect, it } from "vitest";
import { worst } from "./checks";
import { checkHsm, checkHsmKey, type HsmFacts } from "./hsm-checks";

const pool: HsmFacts = { name: "woodgrove-hsm", location: "West Europe", softDeleteEnabled: true, purgeProtectionEnabled: true, activationStatus: "Active" };
const key = { name: "disk-key", keyType: "RSA-HSM", keySize: 3072, operations: ["wrapKey", "unwrapKey"], enabled: true, expiresAt: undefined, notBefore: undefined };
const status = (items: { id: string; status: string }[], id: string) => items.find((i) => i.id === id)?.status;

describe("Managed HSM readiness", () => {
  it("passes an activated pool with soft delete and purge protection in a provider region", () => {
    expect(worst(checkHsm(pool, ["westeurope"]))).toBe("pass");
  });

  it.each([
    ["activated", { activationStatus: "NotActivated" }],
    ["activated", { activationStatus: undefined }],
    ["purge-protection", { purgeProtectionEnabled: false }],
    ["purge-protection", { purgeProtectionEnabled: undefined }],
    ["soft-delete", { softDeleteEnabled: false }],
    ["region", { location: "australiaeast" }],
  ])("fails %s when %o", (id, change) => {
    const items = checkHsm({ ...pool, ...change }, ["westeurope", "northeurope"]);
    expect(status(items, id)).toBe("fail");
    expect(items.find((i) => i.id === id)?.fix).toBeTruthy();
  });
});

describe("Managed HSM key readiness", () => {
  it("passes RSA-HSM of 2048, 3072 and 4096 bits", () => {
    for (const keySize of [2048, 3072, 4096]) expect(worst(checkHsmKey({ ...key, keySize }))).toBe("pass");
  });

  it.each([["EC-HSM", 256], ["oct-HSM", 256], ["RSA", 3072]])("refuses %s keys", (keyType, keySize) => {
    const items = checkHsmKey({ ...key, keyType, keySize });
    expect(items.find((i) => i.id === "type")).toMatchObject({ status: "fail", fix: expect.stringContaining("RSA-HSM") });
  });

  it("refuses sizes disk encryption does not accept, and keys without wrap/unwrap", () => {
    expect(status(checkHsmKey({ ...key, keySize: 1024 }), "size")).toBe("fail");
    expect(status(checkHsmKey({ ...key, operations: ["sign"] }), "operations")).toBe("fail");
  });
});
