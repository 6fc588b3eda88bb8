// A customer's Managed HSM pools: the pools through ARM (Microsoft.KeyVault/managedHSMs), their keys and local RBAC
// through each pool's own data plane, as the signed-in admin. Access to an HSM key is not Azure RBAC: the pool keeps
// its own role assignments (learn.microsoft.com/azure/key-vault/managed-hsm/access-control), written with
// `PUT {hsm}/{scope}/providers/Microsoft.Authorization/roleAssignments/{name}` (Key Vault data plane 7.x). No SDK for
// it is on this registry (@azure/keyvault-admin), so the call goes through the Azure SDK pipeline with the same
// challenge-based authentication policy the Key Vault SDK uses (challenge resource verification stays on).
import { createHash } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { createDefaultHttpClient, createHttpHeaders, createPipelineFromOptions, createPipelineRequest, type Pipeline } from "@azure/core-rest-pipeline";
import { KeyVaultManagementClient, type ManagedHsm } from "@azure/arm-keyvault";
import { keyVaultAuthenticationPolicy } from "@azure/keyvault-common";
import { KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import { serverEnv } from "../env";
import { AppError } from "../errors";
import { ARM_SCOPE } from "./endpoints";
import { azureFailure } from "./errors";
import { keyFactsOf, type KeySummary } from "./key-facts";
import { parseVaultUri } from "./key-url";

/** "Managed HSM Crypto Service Encryption User": get, wrap and unwrap a key (learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles). */
export const HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID = "33413926-3206-4cdd-b39a-83574fe37a17";
export const HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME = "Managed HSM Crypto Service Encryption User";
/** What the admin needs on the pool to list and create keys. */
export const HSM_CRYPTO_USER_ROLE_NAME = "Managed HSM Crypto User";
/** The data plane's API version for role assignments (7.4 and later accept key scopes). */
const HSM_RBAC_API_VERSION = "7.5";

export type HsmRef = { subscriptionId: string; resourceGroup: string; hsmName: string; hsmResourceId: string };

export type HsmSummary = HsmRef & {
  name: string;
  location: string;
  tenantId: string | undefined;
  hsmUri: string;
  softDeleteEnabled: boolean | undefined;
  purgeProtectionEnabled: boolean | undefined;
  /** securityDomainProperties.activationStatus: Active, NotActivated, Unknown or Failed. */
  activationStatus: string | undefined;
  provisioningState: string | undefined;
};


const HSM_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/managedHSMs\/([^/]+)$/i;

export function parseHsmResourceId(id: string): HsmRef | null {
  const match = HSM_ID.exec(id);
  return match ? { subscriptionId: match[1]!, resourceGroup: match[2]!, hsmName: match[3]!, hsmResourceId: id } : null;
}

/** The local-RBAC scope of one key: the role then covers every version of that key, nothing else. */
export function hsmKeyScope(keyName: string): string {
  return `/keys/${keyName}`;
}

/** A local role definition's id as the pool's role-assignment API takes it (learn.microsoft.com/azure/key-vault/managed-hsm/role-management). */
export function hsmRoleDefinitionId(roleId = HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID): string {
  return `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/** Where one local role assignment lives: `{hsmUri}{scope}/providers/Microsoft.Authorization/roleAssignments/{name}` (the pool's address names it). */
export function hsmRoleAssignmentUrl(hsmUri: string, scope: string, name: string): string {
  return `${hsmUri.replace(/\/+$/, "")}${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
}

const ASSIGNMENT_PATH = /^(\/(?:keys(?:\/[^/]+)?)?)\/?providers\/Microsoft\.Authorization\/roleAssignments\/([0-9a-f-]{36})$/i;

export function parseHsmRoleAssignmentUrl(value: string): { hsmUri: string; scope: string; name: string } | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  const match = ASSIGNMENT_PATH.exec(url.pathname);
  return match ? { hsmUri: `${url.origin}/`, scope: match[1]!, name: match[2]! } : null;
}

/** A deterministic assignment name (a GUID) per pool + scope + principal + role, so repeating the grant is a no-op. */
export function hsmRoleAssignmentName(hsmUri: string, scope: string, principalId: string, roleId = HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID): string {
  const hex = createHash("sha256").update(`${hsmUri.toLowerCase()}|${scope.toLowerCase()}|${principalId.toLowerCase()}|${roleId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function armClient(credential: TokenCredential, subscriptionId: string) {
  return new KeyVaultManagementClient(credential, subscriptionId, { endpoint: serverEnv().AZURE_ARM_ENDPOINT, credentials: { scopes: [ARM_SCOPE] } });
}

/** The pool's data-plane base URI, refused unless it is on a configured Key Vault host (the token goes where it answers). */
function checkedHsmUri(value: string): string {
  const parsed = parseVaultUri(value, serverEnv().KEY_VAULT_DNS_SUFFIXES);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `Not a Managed HSM address this portal accepts: ${parsed.reason}`, { fix: "Pick a Managed HSM pool from the list." });
  return parsed.vaultUri;
}

function toHsmSummary(hsm: ManagedHsm): HsmSummary | null {
  const ref = hsm.id ? parseHsmResourceId(hsm.id) : null;
  const uri = hsm.properties?.hsmUri;
  if (!ref || !uri) return null;
  return {
    ...ref,
    name: hsm.name ?? ref.hsmName,
    location: hsm.location ?? "",
    tenantId: hsm.properties?.tenantId,
    hsmUri: uri.endsWith("/") ? uri : `${uri}/`,
    softDeleteEnabled: hsm.properties?.enableSoftDelete,
    purgeProtectionEnabled: hsm.properties?.enablePurgeProtection,
    activationStatus: hsm.properties?.securityDomainProperties?.activationStatus,
    provisioningState: hsm.properties?.provisioningState,
  };
}

export async function listManagedHsms(credential: TokenCredential, subscriptionId: string): Promise<HsmSummary[]> {
  const pools: HsmSummary[] = [];
  for await (const hsm of armClient(credential, subscriptionId).managedHsms.listBySubscription()) {
    const summary = toHsmSummary(hsm);
    if (summary) pools.push(summary);
  }
  return pools.sort((a, b) => a.name.localeCompare(b.name));
}

export async function getManagedHsm(credential: TokenCredential, ref: HsmRef): Promise<HsmSummary> {
  const summary = toHsmSummary(await armClient(credential, ref.subscriptionId).managedHsms.get(ref.resourceGroup, ref.hsmName));
  if (!summary) throw new AppError("AZURE_ERROR", `The Managed HSM ${ref.hsmName} has no address yet.`, { fix: "Wait until its provisioning has finished, then try again." });
  return summary;
}

/** A fresh options object per client: SDK constructors append to the user-agent of the object they get. */
function keyClient(credential: TokenCredential, hsmUri: string): KeyClient {
  return new KeyClient(checkedHsmUri(hsmUri), credential, { retryOptions: { maxRetries: 2 } });
}

function toKeySummary(key: KeyVaultKey): KeySummary {
  const version = key.properties.version ?? "";
  const keyUri = `${key.properties.vaultUrl.replace(/\/+$/, "")}/keys/${key.name}`;
  return {
    ...keyFactsOf(key),
    keyUri,
    keyUriWithVersion: `${keyUri}/${version}`,
    currentVersion: version,
  };
}

/** The pool's keys with their current version (data plane: needs keys/read/action, e.g. Managed HSM Crypto User). */
export async function listHsmKeys(credential: TokenCredential, hsmUri: string): Promise<KeySummary[]> {
  const client = keyClient(credential, hsmUri);
  const keys: KeySummary[] = [];
  for await (const properties of client.listPropertiesOfKeys()) {
    keys.push(toKeySummary(await client.getKey(properties.name)));
  }
  return keys.sort((a, b) => a.name.localeCompare(b.name));
}

export async function getHsmKey(credential: TokenCredential, hsmUri: string, keyName: string): Promise<KeySummary> {
  return toKeySummary(await keyClient(credential, hsmUri).getKey(keyName));
}

export async function countHsmKeyVersions(credential: TokenCredential, hsmUri: string, keyName: string): Promise<number> {
  let count = 0;
  for await (const _version of keyClient(credential, hsmUri).listPropertiesOfKeyVersions(keyName)) count += 1;
  return count;
}

/** An RSA-HSM key that may wrap and unwrap (a Managed HSM holds HSM-protected key types only). */
export async function createHsmKey(credential: TokenCredential, hsmUri: string, input: { name: string; keySize: 2048 | 3072 | 4096 }): Promise<KeySummary> {
  const key = await keyClient(credential, hsmUri).createRsaKey(input.name, { hsm: true, keySize: input.keySize, keyOps: ["wrapKey", "unwrapKey", "encrypt", "decrypt"] });
  return toKeySummary(key);
}

type RoleAssignmentBody = { id?: string; name?: string; properties?: { scope?: string; roleDefinitionId?: string; principalId?: string } };

/** A pipeline that authenticates like the Key Vault SDK: unauthenticated first request, then the challenge's resource. */
function rbacPipeline(credential: TokenCredential): Pipeline {
  const pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 2 } });
  pipeline.addPolicy(keyVaultAuthenticationPolicy(credential));
  return pipeline;
}

async function rbacRequest(credential: TokenCredential, hsmUri: string, method: "GET" | "PUT" | "DELETE", path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const base = checkedHsmUri(hsmUri);
  const url = `${base}${path.replace(/^\/+/, "")}${path.includes("?") ? "&" : "?"}api-version=${HSM_RBAC_API_VERSION}`;
  const request = createPipelineRequest({ url, method, headers: createHttpHeaders({ "content-type": "application/json" }), body: body === undefined ? undefined : JSON.stringify(body) });
  const response = await rbacPipeline(credential).sendRequest(createDefaultHttpClient(), request);
  const json: unknown = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
  if (response.status >= 400) {
    const error = (json as { error?: { code?: string; message?: string; innererror?: { code?: string } } } | undefined)?.error;
    throw Object.assign(new Error(error?.message ?? `HTTP ${response.status}`), { statusCode: response.status, code: error?.innererror?.code ?? error?.code });
  }
  return { status: response.status, json };
}

export type HsmAccessState = { state: "granted" } | { state: "wrong-scope"; scopes: string[] } | { state: "missing" };

/** Whether the provider app's service principal holds Crypto Service Encryption User on the key (or the whole pool). */
export async function findHsmKeyAccess(credential: TokenCredential, input: { hsmUri: string; keyName: string; servicePrincipalObjectId: string }): Promise<HsmAccessState> {
  const scope = hsmKeyScope(input.keyName);
  const { json } = await rbacRequest(credential, input.hsmUri, "GET", `${scope}/providers/Microsoft.Authorization/roleAssignments`);
  const scopes: string[] = [];
  for (const assignment of (json as { value?: RoleAssignmentBody[] } | undefined)?.value ?? []) {
    const p = assignment.properties;
    if (p?.principalId?.toLowerCase() !== input.servicePrincipalObjectId.toLowerCase()) continue;
    if (!p.roleDefinitionId?.toLowerCase().endsWith(HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID)) continue;
    const at = (p.scope ?? "/").toLowerCase();
    if (at === "/" || at === "/keys" || at === scope.toLowerCase()) return { state: "granted" };
    scopes.push(p.scope ?? "/");
  }
  return scopes.length > 0 ? { state: "wrong-scope", scopes } : { state: "missing" };
}

/**
 * Removes the service principal's Crypto Service Encryption User assignments at the key's own scope (`/keys/{name}`),
 * whatever their names (onboarding's deterministic one, or one an admin made by hand): lists them, then deletes each.
 * Assignments on the whole pool are left alone (onboarding never makes them). "not-found" when there was none.
 */
export async function removeHsmKeyAccess(credential: TokenCredential, input: { hsmUri: string; keyName: string; servicePrincipalObjectId: string }): Promise<"deleted" | "not-found"> {
  const scope = hsmKeyScope(input.keyName);
  const { json } = await rbacRequest(credential, input.hsmUri, "GET", `${scope}/providers/Microsoft.Authorization/roleAssignments`);
  let deleted = false;
  for (const assignment of (json as { value?: RoleAssignmentBody[] } | undefined)?.value ?? []) {
    const p = assignment.properties;
    if (!assignment.name || p?.principalId?.toLowerCase() !== input.servicePrincipalObjectId.toLowerCase()) continue;
    if (!p.roleDefinitionId?.toLowerCase().endsWith(HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID) || (p.scope ?? "/").toLowerCase() !== scope.toLowerCase()) continue;
    if ((await deleteHsmRoleAssignment(credential, { hsmUri: input.hsmUri, scope, name: assignment.name })) === "deleted") deleted = true;
  }
  return deleted ? "deleted" : "not-found";
}

/** Assigns Managed HSM Crypto Service Encryption User at `/keys/{name}`; an assignment that already exists is success. */
export async function grantHsmKeyAccess(credential: TokenCredential, input: { hsmUri: string; keyName: string; servicePrincipalObjectId: string }): Promise<"created" | "existed"> {
  const scope = hsmKeyScope(input.keyName);
  const name = hsmRoleAssignmentName(input.hsmUri, scope, input.servicePrincipalObjectId);
  try {
    await rbacRequest(credential, input.hsmUri, "PUT", `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, {
      properties: { roleDefinitionId: hsmRoleDefinitionId(), principalId: input.servicePrincipalObjectId },
    });
    return "created";
  } catch (error) {
    if (azureFailure(error).code === "RoleAssignmentExists" || azureFailure(error).status === 409) return "existed";
    throw error;
  }
}

/**
 * Deletes one local role assignment (`DELETE …/roleAssignments/{name}`, 200 with the deleted assignment). What Azure
 * answers for one that is not there is not documented; a 404 (as a GET answers) counts as already gone.
 */
export async function deleteHsmRoleAssignment(credential: TokenCredential, input: { hsmUri: string; scope: string; name: string }): Promise<"deleted" | "not-found"> {
  try {
    const { status } = await rbacRequest(credential, input.hsmUri, "DELETE", `${input.scope}/providers/Microsoft.Authorization/roleAssignments/${input.name}`);
    return status === 204 ? "not-found" : "deleted";
  } catch (error) {
    if (azureFailure(error).status === 404) return "not-found";
    throw error;
  }
}
