import { describe, expect, it } from "vitest";
import { desRegionFor, submittedKeyStore } from "./submitted-key";

const V = "0123456789abcdef0123456789abcdef";
const SUB = "11111111-2222-4333-8444-555555555555";
const vaultKey = { vaultUri: "https://contoso-kv.vault.azure.net/", keyName: "disk-key", version: V, keyUrl: `https://contoso-kv.vault.azure.net/keys/disk-key/${V}` };
const hsmKey = { vaultUri: "https://woodgrove-hsm.managedhsm.azure.net/", keyName: "disk-key", version: V, keyUrl: `https://woodgrove-hsm.managedhsm.azure.net/keys/disk-key/${V}` };
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/contoso-kv`;
const HSM_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/woodgrove-hsm`;
const REGIONS = ["westeurope", "northeurope"];

describe("the key's store, from its URL rather than the caller", () => {
  it("a Managed HSM key is MANAGED_HSM, in the pool the resource id names", () => {
    expect(submittedKeyStore(hsmKey, { vaultResourceId: HSM_ID })).toEqual({ kind: "managedHsm", name: "woodgrove-hsm", subscriptionId: SUB, resourceId: HSM_ID, permissionModel: "MANAGED_HSM" });
    expect(submittedKeyStore(hsmKey, { vaultResourceId: HSM_ID, permissionModel: "MANAGED_HSM" }).permissionModel).toBe("MANAGED_HSM");
    expect(() => submittedKeyStore(hsmKey, { vaultResourceId: HSM_ID, permissionModel: "RBAC" })).toThrow(/local RBAC/);
    expect(() => submittedKeyStore(hsmKey, { vaultResourceId: VAULT_ID })).toThrow(/pool's resource id/);
    expect(() => submittedKeyStore(hsmKey, { vaultResourceId: HSM_ID.replace("woodgrove-hsm", "other") })).toThrow(/names the pool other, but the key is in woodgrove-hsm/);
  });

  it("a vault key keeps the caller's permission model (RBAC by default), in the vault the resource id names", () => {
    expect(submittedKeyStore(vaultKey, { vaultResourceId: VAULT_ID })).toMatchObject({ kind: "vault", permissionModel: "RBAC", resourceId: VAULT_ID });
    expect(submittedKeyStore(vaultKey, { vaultResourceId: VAULT_ID, permissionModel: "ACCESS_POLICY" }).permissionModel).toBe("ACCESS_POLICY");
    expect(() => submittedKeyStore(vaultKey, { vaultResourceId: VAULT_ID, permissionModel: "MANAGED_HSM" })).toThrow(/not a Managed HSM/);
    expect(() => submittedKeyStore(vaultKey, { vaultResourceId: HSM_ID })).toThrow(/not a key vault resource id/);
    expect(() => submittedKeyStore(vaultKey, { vaultResourceId: VAULT_ID.replace("contoso-kv", "other-kv") })).toThrow(/names the vault other-kv, but the key is in contoso-kv/);
  });
});

describe("the disk encryption set's region", () => {
  it("is the key store's own region when it says it, and a different request is refused", () => {
    expect(desRegionFor({ storeRegion: "West Europe", requested: undefined, regions: REGIONS, store: "key vault" })).toEqual({ region: "westeurope", source: "key-store" });
    expect(desRegionFor({ storeRegion: "westeurope", requested: "westeurope", regions: REGIONS, store: "key vault" })).toEqual({ region: "westeurope", source: "key-store" });
    expect(() => desRegionFor({ storeRegion: "westeurope", requested: "northeurope", regions: REGIONS, store: "key vault" })).toThrow(/region is northeurope, but the key's key vault is in westeurope/);
    expect(() => desRegionFor({ storeRegion: "australiaeast", requested: undefined, regions: REGIONS, store: "Managed HSM" })).toThrow(/Managed HSM is in australiaeast, but the provider creates disk encryption sets only in westeurope, northeurope/);
  });

  it("is the caller's, if a provider region, when the key store did not say", () => {
    expect(desRegionFor({ storeRegion: undefined, requested: "northeurope", regions: REGIONS, store: "key vault" })).toEqual({ region: "northeurope", source: "caller" });
    expect(() => desRegionFor({ storeRegion: undefined, requested: undefined, regions: REGIONS, store: "key vault" })).toThrow(/did not say which region/);
    expect(() => desRegionFor({ storeRegion: undefined, requested: "eastus", regions: REGIONS, store: "key vault" })).toThrow(/only in westeurope, northeurope/);
  });
});
