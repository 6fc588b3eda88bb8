// Removing what onboarding created in a customer's tenant, as the signed-in customer admin (on-behalf-of): the
// provider app's role assignment on the key (or its access policy) and the provider app's service principal (the
// enterprise app). Each answers what it found, so a second run reports "already gone" instead of failing.
import type { TokenCredential } from "@azure/core-auth";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { serverEnv } from "../env";
import { ARM_SCOPE } from "./endpoints";
import { azureFailure } from "./errors";
import { graphClient } from "./graph";

export type RemovalOutcome = "removed" | "absent";

function authorizationClient(credential: TokenCredential, subscriptionId: string) {
  return new AuthorizationManagementClient(credential, subscriptionId, { endpoint: serverEnv().AZURE_ARM_ENDPOINT, credentialScopes: [ARM_SCOPE] });
}

function vaultClient(credential: TokenCredential, subscriptionId: string) {
  return new KeyVaultManagementClient(credential, subscriptionId, { endpoint: serverEnv().AZURE_ARM_ENDPOINT, credentials: { scopes: [ARM_SCOPE] } });
}

/** Whether a role assignment (by its full ARM id) still exists. */
export async function roleAssignmentExists(credential: TokenCredential, subscriptionId: string, roleAssignmentId: string): Promise<boolean> {
  try {
    await authorizationClient(credential, subscriptionId).roleAssignments.getById(roleAssignmentId);
    return true;
  } catch (error) {
    if (azureFailure(error).status === 404) return false;
    throw error;
  }
}

/** Deletes a role assignment by its full ARM id; ARM answers 204 when there is none. */
export async function deleteRoleAssignment(credential: TokenCredential, subscriptionId: string, roleAssignmentId: string): Promise<RemovalOutcome> {
  if (!(await roleAssignmentExists(credential, subscriptionId, roleAssignmentId))) return "absent";
  await authorizationClient(credential, subscriptionId).roleAssignments.deleteById(roleAssignmentId);
  return "removed";
}

export type VaultPolicyRef = { subscriptionId: string; resourceGroup: string; vaultName: string; tenantId: string };

/** Whether the vault (access-policy model) still has a policy for this object id. */
export async function accessPolicyExists(credential: TokenCredential, vault: VaultPolicyRef, objectId: string): Promise<boolean> {
  const found = await vaultClient(credential, vault.subscriptionId).vaults.get(vault.resourceGroup, vault.vaultName);
  return (found.properties.accessPolicies ?? []).some((p) => p.objectId.toLowerCase() === objectId.toLowerCase());
}

/** Removes the object id's access policy with the key permissions it holds. */
export async function removeAccessPolicy(credential: TokenCredential, vault: VaultPolicyRef, objectId: string, keyPermissions: readonly string[]): Promise<RemovalOutcome> {
  if (!(await accessPolicyExists(credential, vault, objectId))) return "absent";
  await vaultClient(credential, vault.subscriptionId).vaults.updateAccessPolicy(vault.resourceGroup, vault.vaultName, "remove", {
    properties: { accessPolicies: [{ tenantId: vault.tenantId, objectId, permissions: { keys: [...keyPermissions] } }] },
  });
  return "removed";
}

/**
 * Deletes a service principal (an enterprise app) through Graph. Entra requires the delegated Application.ReadWrite.All
 * scope and a directory role such as Cloud Application Administrator: "forbidden" means the admin must do it by hand.
 */
export async function deleteServicePrincipal(credential: TokenCredential, servicePrincipalObjectId: string): Promise<RemovalOutcome | "forbidden"> {
  try {
    await graphClient(credential).api(`/servicePrincipals/${servicePrincipalObjectId}`).delete();
    return "removed";
  } catch (error) {
    const failure = azureFailure(error);
    if (failure.status === 404) return "absent";
    if (failure.status === 403 || failure.code === "CONSENT_REQUIRED" || failure.code === "Authorization_RequestDenied") return "forbidden";
    throw error;
  }
}

/**
 * Whether the provider's CMK app still has a service principal in the customer's tenant: its federated token request
 * there fails with AADSTS700016 ("not found in the directory") once the enterprise app is deleted. A fresh credential:
 * a cached token would outlive the deletion.
 */
export async function providerAppInstalled(credential: TokenCredential): Promise<boolean> {
  try {
    await credential.getToken(ARM_SCOPE);
    return true;
  } catch (error) {
    if (/AADSTS700016/.test(String((error as { message?: string }).message ?? ""))) return false;
    throw error;
  }
}
