import { describe, expect, it } from "vitest";
import type { VaultSummary } from "../azure/customer-arm";
import { pageOfVaults, VAULT_PAGE_SIZE } from "./service";

const REGIONS = ["westeurope", "northeurope"];

function vault(i: number): VaultSummary {
  const name = `kv-${String(i).padStart(4, "0")}-${i % 3 === 0 ? "prod" : "test"}`;
  const resourceGroup = `rg-${i % 40}`;
  return {
    name,
    vaultName: name,
    resourceGroup,
    subscriptionId: "aaaaaaaa-5555-4555-8555-00000000000a",
    vaultResourceId: `/subscriptions/aaaaaaaa-5555-4555-8555-00000000000a/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`,
    vaultUri: `https://${name}.vault.azure.net/`,
    tenantId: "aaaaaaaa-0000-4000-8000-00000000000a",
    location: i % 5 === 0 ? "australiaeast" : "westeurope",
    softDeleteEnabled: true,
    purgeProtectionEnabled: i % 2 === 0,
    rbacAuthorization: true,
    publicNetworkAccess: "Enabled",
    networkDefaultAction: "Allow",
    networkBypass: "AzureServices",
  };
}

const THOUSANDS = Array.from({ length: 5000 }, (_, i) => vault(i));

describe("vault list at thousands of vaults", () => {
  it("pages through every vault, checks only the page shown", () => {
    const first = pageOfVaults(THOUSANDS, { regions: REGIONS });
    expect(first).toMatchObject({ total: 5000, page: 1, pageCount: 250 });
    expect(first.vaults).toHaveLength(VAULT_PAGE_SIZE);
    expect(first.vaults[0]).toMatchObject({ name: "kv-0000-prod", readiness: "fail" });
    const last = pageOfVaults(THOUSANDS, { regions: REGIONS, page: 250 });
    expect(last.vaults.at(-1)?.name).toBe("kv-4999-test");
    const seen = new Set(Array.from({ length: 250 }, (_, p) => pageOfVaults(THOUSANDS, { regions: REGIONS, page: p + 1 }).vaults.map((v) => v.name)).flat());
    expect(seen.size).toBe(5000);
  });

  it("searches by name, resource group or region", () => {
    expect(pageOfVaults(THOUSANDS, { regions: REGIONS, search: "KV-1234" }).vaults.map((v) => v.name)).toEqual(["kv-1234-test"]);
    expect(pageOfVaults(THOUSANDS, { regions: REGIONS, search: "rg-39" }).total).toBe(125);
    expect(pageOfVaults(THOUSANDS, { regions: REGIONS, search: "australia" }).total).toBe(1000);
    expect(pageOfVaults(THOUSANDS, { regions: REGIONS, search: "nothing-like-this" })).toMatchObject({ total: 0, pageCount: 1, vaults: [] });
  });

  it("clamps pages that do not exist", () => {
    expect(pageOfVaults(THOUSANDS, { regions: REGIONS, page: 9999 }).page).toBe(250);
    expect(pageOfVaults(THOUSANDS, { regions: REGIONS, page: -3 }).page).toBe(1);
    expect(pageOfVaults(THOUSANDS, { regions: REGIONS, search: "prod", page: 2.7 }).page).toBe(2);
  });
});
