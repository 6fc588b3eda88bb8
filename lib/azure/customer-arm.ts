// The customer's own Azure (subscriptions, vaults, keys, access) through ARM, as the signed-in admin.
import type { TokenCredential } from "@azure/core-auth";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { KeyVaultManagementClient, type Key, type Vault } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { serverEnv } from "../env";
import { ARM_SCOPE } from "./endpoints";
import type { VaultFacts } from "../onboarding/checks";
import type { KeySummary } from "./key-facts";
import { ACCESS_POLICY_KEY_PERMISSIONS, keyScope, parseVaultResourceId, roleAssignmentName, roleDefinitionId, scopeCovers, type VaultRef, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID } from "../onboarding/access";

type PrincipalType = "User" | "ServicePrincipal";
import { azureFailure } from "./errors";
import { AppError } from "../errors";
import { rotationChoiceProblems, rotationPolicyFor, type RotationChoice } from "./key-rotation-policy";

export type SubscriptionSummary = { id: string; displayName: string; state: string };
export type VaultSummary = VaultFacts & VaultRef & { vaultUri: string; tenantId: string };
export type { KeySummary };

function vaultClient(credential: TokenCredential, subscriptionId: string) {
  return new KeyVaultManagementClient(credential, subscriptionId, { endpoint: serverEnv().AZURE_ARM_ENDPOINT, credentials: { scopes: [ARM_SCOPE] } });
}

function authorizationClient(credential: TokenCredential, subscriptionId: string) {
  return new AuthorizationManagementClient(credential, subscriptionId, { endpoint: serverEnv().AZURE_ARM_ENDPOINT, credentialScopes: [ARM_SCOPE] });
}

export async function listSubscriptions(credential: TokenCredential): Promise<SubscriptionSummary[]> {
  const client = new SubscriptionClient(credential, { endpoint: serverEnv().AZURE_ARM_ENDPOINT, credentialScopes: [ARM_SCOPE] });
  const subscriptions: SubscriptionSummary[] = [];
  for await (const s of client.subscriptions.list()) {
    if (s.subscriptionId) subscriptions.push({ id: s.subscriptionId, displayName: s.displayName ?? s.subscriptionId, state: s.state ?? "Enabled" });
  }
  return subscriptions.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

export async function listResourceGroups(credential: TokenCredential, subscriptionId: string): Promise<{ name: string; location: string }[]> {
  const client = new ResourceManagementClient(credential, subscriptionId, { endpoint: serverEnv().AZURE_ARM_ENDPOINT, credentialScopes: [ARM_SCOPE] });
  const groups: { name: string; location: string }[] = [];
  for await (const group of client.resourceGroups.list()) if (group.name) groups.push({ name: group.name, location: group.location });
  return groups.sort((a, b) => a.name.localeCompare(b.name));
}

function toVaultSummary(vault: Vault): VaultSummary | null {
  const ref = vault.id ? parseVaultResourceId(vault.id) : null;
  if (!ref || !vault.properties.vaultUri) return null;
  return {
    ...ref,
    name: vault.name ?? ref.vaultName,
    location: vault.location ?? "",
    tenantId: vault.properties.tenantId,
    vaultUri: vault.properties.vaultUri.endsWith("/") ? vault.properties.vaultUri : `${vault.properties.vaultUri}/`,
    softDeleteEnabled: vault.properties.enableSoftDelete,
    purgeProtectionEnabled: vault.properties.enablePurgeProtection,
    rbacAuthorization: vault.properties.enableRbacAuthorization,
    publicNetworkAccess: vault.properties.publicNetworkAccess,
    networkDefaultAction: vault.properties.networkAcls?.defaultAction,
    networkBypass: vault.properties.networkAcls?.bypass,
  };
}

/** Every vault of a subscription the admin can see (ARM pages through them; thousands are fine). */
export async function listVaults(credential: TokenCredential, subscriptionId: string): Promise<VaultSummary[]> {
  const vaults: VaultSummary[] = [];
  for await (const vault of vaultClient(credential, subscriptionId).vaults.listBySubscription()) {
    const summary = toVaultSummary(vault);
    if (summary) vaults.push(summary);
  }
  return vaults.sort((a, b) => a.name.localeCompare(b.name));
}

export async function getVault(credential: TokenCredential, ref: VaultRef): Promise<VaultSummary> {
  const vault = await vaultClient(credential, ref.subscriptionId).vaults.get(ref.resourceGroup, ref.vaultName);
  const summary = toVaultSummary(vault);
  if (!summary) throw new Error(`Vault ${ref.vaultResourceId} has no URI`);
  return summary;
}

/** A vault with the settings a disk encryption key needs: RBAC, soft delete 90 days, purge protection. */
export async function createVault(
  credential: TokenCredential,
  input: { subscriptionId: string; resourceGroup: string; name: string; location: string; tenantId: string },
): Promise<VaultSummary> {
  const vault = await vaultClient(credential, input.subscriptionId).vaults.beginCreateOrUpdateAndWait(input.resourceGroup, input.name, {
    location: input.location,
    properties: {
      tenantId: input.tenantId,
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      publicNetworkAccess: "Enabled",
      networkAcls: { bypass: "AzureServices", defaultAction: "Allow" },
    },
  });
  const summary = toVaultSummary(vault);
  if (!summary) throw new Error("Created vault has no URI");
  return summary;
}

function versionOf(uriWithVersion: string | undefined): string {
  return uriWithVersion?.replace(/\/+$/, "").split("/").pop() ?? "";
}

function toKeySummary(key: Key): KeySummary {
  return {
    name: key.name ?? "",
    keyType: key.kty,
    keySize: key.keySize,
    operations: key.keyOps ?? [],
    enabled: key.attributes?.enabled ?? true,
    expiresAt: key.attributes?.expires ? new Date(key.attributes.expires * 1000) : undefined,
    notBefore: key.attributes?.notBefore ? new Date(key.attributes.notBefore * 1000) : undefined,
    keyUri: key.keyUri ?? "",
    keyUriWithVersion: key.keyUriWithVersion ?? "",
    currentVersion: versionOf(key.keyUriWithVersion),
  };
}

/** The vault's keys with their current version's properties (management plane: no data-plane role needed). */
export async function listKeys(credential: TokenCredential, ref: VaultRef): Promise<KeySummary[]> {
  const client = vaultClient(credential, ref.subscriptionId);
  const keys: KeySummary[] = [];
  for await (const key of client.keys.list(ref.resourceGroup, ref.vaultName)) {
    // The list has the key's current version; ask for it directly for full attributes.
    const full = key.name ? await client.keys.get(ref.resourceGroup, ref.vaultName, key.name) : key;
    keys.push(toKeySummary(full));
  }
  return keys.sort((a, b) => a.name.localeCompare(b.name));
}

export async function countKeyVersions(credential: TokenCredential, ref: VaultRef, keyName: string): Promise<number> {
  let count = 0;
  for await (const _version of vaultClient(credential, ref.subscriptionId).keys.listVersions(ref.resourceGroup, ref.vaultName, keyName)) count += 1;
  return count;
}

export async function getKey(credential: TokenCredential, ref: VaultRef, keyName: string): Promise<KeySummary> {
  return toKeySummary(await vaultClient(credential, ref.subscriptionId).keys.get(ref.resourceGroup, ref.vaultName, keyName));
}

export type NewKeyInput = { name: string; keyType: "RSA" | "RSA-HSM"; keySize: 2048 | 3072 | 4096; rotation?: RotationChoice };

export async function createKey(credential: TokenCredential, ref: VaultRef, input: NewKeyInput): Promise<KeySummary> {
  const problems = input.rotation ? rotationChoiceProblems(input.rotation) : [];
  if (problems.length > 0) {
    throw new AppError("VALIDATION_FAILED", `Key Vault would refuse this rotation policy: ${problems.map((p) => p.message).join(" ")}`, {
      fix: "Change the rotation settings and try again.",
      fields: Object.fromEntries(problems.map((p) => [`rotation.${p.field}`, p.message])),
    });
  }
  const key = await vaultClient(credential, ref.subscriptionId).keys.createIfNotExist(ref.resourceGroup, ref.vaultName, input.name, {
    properties: {
      kty: input.keyType,
      keySize: input.keySize,
      keyOps: ["wrapKey", "unwrapKey", "encrypt", "decrypt"],
      attributes: { enabled: true },
      rotationPolicy: input.rotation ? rotationPolicyFor(input.rotation) : undefined,
    },
  });
  return toKeySummary(key);
}

/** `missingPermissions`: on access-policy vaults, the key permissions the app's policy lacks (all of them without a policy). */
export type AccessState = { state: "granted" } | { state: "wrong-scope"; scopes: string[] } | { state: "missing"; missingPermissions?: string[] };

/** Whether the provider app's service principal already has what it needs on this key. */
export async function findKeyAccess(credential: TokenCredential, input: { vault: VaultSummary; keyName: string; servicePrincipalObjectId: string }): Promise<AccessState> {
  const { vault, keyName, servicePrincipalObjectId } = input;
  if (!vault.rbacAuthorization) {
    const full = await vaultClient(credential, vault.subscriptionId).vaults.get(vault.resourceGroup, vault.vaultName);
    const policy = (full.properties.accessPolicies ?? []).find((p) => p.objectId.toLowerCase() === servicePrincipalObjectId.toLowerCase());
    const keys = (policy?.permissions.keys ?? []).map((k) => k.toLowerCase());
    const missingPermissions = ACCESS_POLICY_KEY_PERMISSIONS.filter((p) => !keys.includes(p.toLowerCase()) && !keys.includes("all"));
    return missingPermissions.length === 0 ? { state: "granted" } : { state: "missing", missingPermissions };
  }
  const scope = keyScope(vault.vaultResourceId, keyName);
  const scopes: string[] = [];
  const client = authorizationClient(credential, vault.subscriptionId);
  for await (const assignment of client.roleAssignments.listForScope(scope, { filter: `principalId eq '${servicePrincipalObjectId}'` })) {
    if (!assignment.roleDefinitionId?.toLowerCase().endsWith(CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID)) continue;
    if (assignment.scope && scopeCovers(assignment.scope, scope)) return { state: "granted" };
    if (assignment.scope) scopes.push(assignment.scope);
  }
  return scopes.length > 0 ? { state: "wrong-scope", scopes } : { state: "missing" };
}

/**
 * Grants the provider app key access; granting what already exists is success. `addedPermissions`: on an
 * access-policy vault, the key permissions this call added (what undoing it may take away again).
 */
export async function grantKeyAccess(
  credential: TokenCredential,
  input: { vault: VaultSummary; keyName: string; servicePrincipalObjectId: string },
): Promise<{ result: "created" | "existed"; addedPermissions?: string[] }> {
  const { vault, keyName, servicePrincipalObjectId } = input;
  if (!vault.rbacAuthorization) {
    const before = await findKeyAccess(credential, input);
    if (before.state === "granted") return { result: "existed", addedPermissions: [] };
    const missing = before.state === "missing" ? (before.missingPermissions ?? [...ACCESS_POLICY_KEY_PERMISSIONS]) : [...ACCESS_POLICY_KEY_PERMISSIONS];
    await vaultClient(credential, vault.subscriptionId).vaults.updateAccessPolicy(vault.resourceGroup, vault.vaultName, "add", {
      properties: { accessPolicies: [{ tenantId: vault.tenantId, objectId: servicePrincipalObjectId, permissions: { keys: [...ACCESS_POLICY_KEY_PERMISSIONS] } }] },
    });
    return { result: "created", addedPermissions: missing };
  }
  const result = await assignRole(credential, {
    subscriptionId: vault.subscriptionId,
    scope: keyScope(vault.vaultResourceId, keyName),
    roleId: CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID,
    principalId: servicePrincipalObjectId,
    principalType: "ServicePrincipal",
    description: "CMK Portal: lets the provider's disk encryption set use this key",
  });
  return { result };
}

/** Deletes a role assignment by scope and name. Azure answers 204 when it is already gone: that is success too. */
export async function deleteRoleAssignment(credential: TokenCredential, input: { subscriptionId: string; scope: string; name: string }): Promise<"deleted" | "absent"> {
  const deleted = await authorizationClient(credential, input.subscriptionId).roleAssignments.delete(input.scope, input.name);
  return deleted?.id ? "deleted" : "absent";
}

export type AccessPolicyRemoval = { state: "removed" | "absent" } | { state: "shared"; otherPermissions: string[] };

/**
 * Removes a principal's access-policy entry when it holds only `permissions` (what the portal added). Whether
 * the `remove` operation takes away only the listed permissions or the whole entry is not documented, so an
 * entry that also holds other permissions is left alone and reported as "shared".
 */
export async function removeAccessPolicy(credential: TokenCredential, input: { vault: VaultRef; tenantId: string; objectId: string; permissions: string[] }): Promise<AccessPolicyRemoval> {
  const client = vaultClient(credential, input.vault.subscriptionId);
  const vault = await client.vaults.get(input.vault.resourceGroup, input.vault.vaultName);
  const entry = (vault.properties.accessPolicies ?? []).find((p) => p.objectId.toLowerCase() === input.objectId.toLowerCase());
  if (!entry) return { state: "absent" };
  const ours = new Set(input.permissions.map((p) => p.toLowerCase()));
  const held = [...(entry.permissions.keys ?? []).map((k) => `keys/${k}`), ...(entry.permissions.secrets ?? []).map((k) => `secrets/${k}`), ...(entry.permissions.certificates ?? []).map((k) => `certificates/${k}`), ...(entry.permissions.storage ?? []).map((k) => `storage/${k}`)];
  const otherPermissions = held.filter((p) => !(p.startsWith("keys/") && ours.has(p.slice("keys/".length).toLowerCase())));
  if (otherPermissions.length > 0) return { state: "shared", otherPermissions };
  await client.vaults.updateAccessPolicy(input.vault.resourceGroup, input.vault.vaultName, "remove", {
    properties: { accessPolicies: [{ tenantId: entry.tenantId, objectId: entry.objectId, permissions: { keys: entry.permissions.keys ?? [] } }] },
  });
  return { state: "removed" };
}

/** Creates a role assignment with a deterministic name; one that already exists counts as done. */
export async function assignRole(
  credential: TokenCredential,
  input: { subscriptionId: string; scope: string; roleId: string; principalId: string; principalType: PrincipalType; description: string },
): Promise<"created" | "existed"> {
  try {
    await authorizationClient(credential, input.subscriptionId).roleAssignments.create(input.scope, roleAssignmentName(input.scope, input.principalId, input.roleId), {
      roleDefinitionId: roleDefinitionId(input.subscriptionId, input.roleId),
      principalId: input.principalId,
      // Set explicitly: avoids PrincipalNotFound while a new principal replicates.
      principalType: input.principalType,
      description: input.description,
    });
    return "created";
  } catch (error) {
    if (azureFailure(error).code === "RoleAssignmentExists") return "existed";
    throw error;
  }
}
