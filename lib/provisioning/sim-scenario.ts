// The simulator world the provisioning tests and the benchmark start from: every seeded customer has
// consented to the CMK app and given it the key role (or access policy). Not test-runner specific.
import type { SimHandle } from "../../e2e/azure-sim/index";
import { BUILTIN_ROLES, defaultScenario, SIM, servicePrincipalObjectId, type Scenario } from "../../e2e/azure-sim/seed";

export type CustomerName = keyof typeof SIM.customers;

export function cmkServicePrincipalId(customer: CustomerName): string {
  return servicePrincipalObjectId(SIM.cmkAppClientId, SIM.customers[customer].tenantId);
}

export function vaultId(customer: CustomerName): string {
  const c = SIM.customers[customer];
  return `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.KeyVault/vaults/${c.vaultName}`;
}

/** The default seed, plus: the CMK app consented in every customer tenant and allowed to use each key. */
export function onboardedScenario(origin: string): Scenario {
  const base = defaultScenario(origin);
  const customers = Object.keys(SIM.customers) as CustomerName[];
  return {
    ...base,
    applications: (base.applications ?? []).map((app) => (app.appId === SIM.cmkAppClientId ? { ...app, servicePrincipalTenants: customers.map((c) => SIM.customers[c].tenantId) } : app)),
    roleAssignments: [
      ...(base.roleAssignments ?? []),
      ...customers.filter((c) => c !== "fabrikam").map((c) => ({ scope: vaultId(c), roleDefinitionId: BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser, principalId: cmkServicePrincipalId(c), principalType: "ServicePrincipal" as const })),
    ],
    vaults: (base.vaults ?? []).map((v) => (v.name === SIM.customers.fabrikam.vaultName
      ? { ...v, accessPolicies: [...(v.accessPolicies ?? []), { tenantId: SIM.customers.fabrikam.tenantId, objectId: cmkServicePrincipalId("fabrikam"), permissions: { keys: ["get", "wrapKey", "unwrapKey"], secrets: [] } }] }
      : v)),
  };
}

/** The versioned URL of a customer's seeded key as the simulator serves it. */
export function keyUrlOf(sim: SimHandle, customer: CustomerName): string {
  const c = SIM.customers[customer];
  const vault = sim.state.vaultByName(c.vaultName);
  const key = vault?.keys.get(c.keyName.toLowerCase());
  const version = key?.versions[key.versions.length - 1]?.version;
  if (!vault || !version) throw new Error(`No key for ${customer}`);
  return sim.state.keyId(vault, c.keyName, version);
}

