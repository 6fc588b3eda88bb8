// Test set-up shared by the support tests: Contoso onboarded in the simulator (consent, crypto role for the
// CMK app), a cross-tenant DES created by the provider's identity, a running VM and a spare disk encrypted
// with it, and the matching rows in the database — what onboarding + provisioning leave behind.
import { randomUUID } from "node:crypto";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ComputeManagementClient } from "@azure/arm-compute";
import { KeyClient } from "@azure/keyvault-keys";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { BUILTIN_ROLES, SIM } from "../../e2e/azure-sim/seed";
import { personaCredential } from "../../e2e/azure-sim/testing";
import type { Db } from "../db/client";
import { providerManagedIdentity } from "../azure/credentials";
import { ARM_SCOPE } from "../azure/endpoints";
import { parseVersionedKeyUrl } from "../onboarding/checks";

const contoso = SIM.customers.contoso;
const fast = { updateIntervalInMs: 20 };
export const CONTOSO_VAULT_ID = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
export const DES_NAME = "cmk-contoso-westeurope";
export const vmId = (name: string) => `/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;

const armOptions = (sim: SimHandle) => ({ endpoint: `${sim.url}/arm`, credentialScopes: [ARM_SCOPE], credentials: { scopes: [ARM_SCOPE] } });

export function providerCompute(sim: SimHandle): ComputeManagementClient {
  return new ComputeManagementClient(providerManagedIdentity(), SIM.providerSubscriptionId, armOptions(sim));
}

export async function contosoKeyClient(sim: SimHandle): Promise<KeyClient> {
  return new KeyClient(sim.state.vaultUri(sim.state.vaultByName(contoso.vaultName)!), await personaCredential(sim, "contosoKeyAdmin"));
}

/** The customer creates a new version of their key (as their key administrator would). */
export async function newContosoKeyVersion(sim: SimHandle): Promise<string> {
  const created = await (await contosoKeyClient(sim)).createRsaKey(contoso.keyName, { keySize: 3072 });
  return created.id!;
}

export type OnboardedContoso = { customerTenantId: string; desId: string; desArmId: string; keyUrl: string };

/** Needs a started simulator with the app env applied and a session of contosoAdmin (creates the tenant row). */
export async function onboardContosoWithDes(sim: SimHandle, db: Db): Promise<OnboardedContoso> {
  const spId = sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  const auth = new AuthorizationManagementClient(await personaCredential(sim, "contosoAdmin"), contoso.subscriptionId, armOptions(sim));
  await auth.roleAssignments.create(CONTOSO_VAULT_ID, randomUUID(), {
    roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
    principalId: spId,
    principalType: "ServicePrincipal",
  });
  const keyUrl = (await (await contosoKeyClient(sim)).getKey(contoso.keyName)).id!;
  const compute = providerCompute(sim);
  const des = await compute.diskEncryptionSets.beginCreateOrUpdateAndWait(
    SIM.providerResourceGroup,
    DES_NAME,
    {
      location: "westeurope",
      encryptionType: "EncryptionAtRestWithCustomerKey",
      activeKey: { keyUrl },
      federatedClientId: SIM.cmkAppClientId,
      rotationToLatestKeyVersionEnabled: false,
      identity: { type: "UserAssigned", userAssignedIdentities: { [SIM.uami.resourceId]: {} } },
    },
    fast,
  );
  // The provider's own infrastructure: one VM's OS disk and a spare data disk are encrypted with the customer's key.
  await compute.virtualMachines.beginDeallocateAndWait(SIM.providerResourceGroup, "vm-app-1", fast);
  for (const disk of ["vm-app-1-osdisk", "app-data-disk-1"]) {
    await compute.disks.beginUpdateAndWait(SIM.providerResourceGroup, disk, { encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: des.id } }, fast);
  }
  await compute.virtualMachines.beginStartAndWait(SIM.providerResourceGroup, "vm-app-1", fast);

  const tenant = await db.customerTenant.update({ where: { tenantId: contoso.tenantId }, data: { consentStatus: "GRANTED", servicePrincipalObjectId: spId, healthState: "HEALTHY" } });
  const parsed = parseVersionedKeyUrl(keyUrl);
  if (!parsed.ok) throw new Error(parsed.reason);
  const keyReference = await db.keyReference.create({
    data: { customerTenantId: tenant.id, vaultResourceId: CONTOSO_VAULT_ID, vaultUri: parsed.key.vaultUri, keyName: parsed.key.keyName, keyVersion: parsed.key.version, keyUrl: parsed.key.keyUrl, keyType: "RSA", keySize: 3072, permissionModel: "RBAC", region: "westeurope" },
  });
  const row = await db.diskEncryptionSet.create({
    data: { customerTenantId: tenant.id, region: "westeurope", name: DES_NAME, armId: des.id!, provisioningState: "SUCCEEDED", healthState: "HEALTHY", keyReferenceId: keyReference.id, rotationToLatest: false },
  });
  return { customerTenantId: tenant.id, desId: row.id, desArmId: des.id!, keyUrl: parsed.key.keyUrl };
}

export function vmPowerState(sim: SimHandle, name: string): string | undefined {
  return sim.state.virtualMachines.values().find((vm) => vm.name === name)?.powerState;
}
