/** Microsoft.KeyVault management plane: vaults (permission model, soft delete, purge protection, network rules) and keys. */
import { rotationPolicyProblem, type PolicyInput } from '../rotation-policy';
import { json, type SimResponse } from '../http';
import { keyMaterial } from '../keys';
import { findVersion, keyAttributes, latestVersion } from '../keyvault';
import { newKeyVersion, nowSeconds, type AccessPolicy, type KeyVersion, type Vault, type VaultKey } from '../state';
import { checkKeyAccess } from '../vault-access';
import { armError, body, eq, notFound, parseResourcePath, requireAction, resourceGroupNotFound, rgId, systemData, type ArmRequest } from './arm';
import { regionName } from './resources';

interface VaultInput {
  location?: string;
  tags?: Record<string, string>;
  properties?: {
    tenantId?: string; sku?: { family?: string; name?: string }; accessPolicies?: AccessPolicy[];
    enableRbacAuthorization?: boolean; enableSoftDelete?: boolean; enablePurgeProtection?: boolean; softDeleteRetentionInDays?: number;
    publicNetworkAccess?: string; networkAcls?: { bypass?: string; defaultAction?: string };
  };
}

export function vaultResource(a: ArmRequest, v: Vault): Record<string, unknown> {
  return {
    id: v.id, name: v.name, type: 'Microsoft.KeyVault/vaults', location: v.location, tags: v.tags,
    systemData: systemData(v.createdBy, v.createdAt),
    properties: {
      sku: { family: 'A', name: v.sku }, tenantId: v.tenantId,
      networkAcls: { bypass: v.networkBypass, defaultAction: v.networkDefaultAction, ipRules: [], virtualNetworkRules: [] },
      accessPolicies: v.accessPolicies, enabledForDeployment: false, enabledForDiskEncryption: false, enabledForTemplateDeployment: false,
      enableSoftDelete: v.enableSoftDelete, softDeleteRetentionInDays: v.softDeleteRetentionInDays, enableRbacAuthorization: v.enableRbacAuthorization,
      // Azure omits enablePurgeProtection until it is switched on (it can never be switched off).
      ...(v.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
      vaultUri: a.ctx.state.vaultUri(v), provisioningState: 'Succeeded', publicNetworkAccess: v.publicNetworkAccess,
    },
  };
}

function keyResource(a: ArmRequest, vault: Vault, key: VaultKey, version?: KeyVersion): Record<string, unknown> {
  const v = version ?? latestVersion(key);
  const base = `${vault.id}/keys/${key.name}`;
  return {
    id: version ? `${base}/versions/${version.version}` : base, name: version ? version.version : key.name,
    type: version ? 'Microsoft.KeyVault/vaults/keys/versions' : 'Microsoft.KeyVault/vaults/keys', location: vault.location, tags: key.tags,
    properties: {
      attributes: keyAttributes(vault, v), kty: v.kty, keyOps: v.keyOps, keySize: v.keySize,
      keyUri: a.ctx.state.keyId(vault, key.name), keyUriWithVersion: a.ctx.state.keyId(vault, key.name, v.version),
      ...(key.rotationPolicy ? { rotationPolicy: { lifetimeActions: key.rotationPolicy.lifetimeActions, attributes: { expiryTime: key.rotationPolicy.attributes.expiryTime,
        created: key.rotationPolicy.attributes.created, updated: key.rotationPolicy.attributes.updated } } } : {}),
    },
  };
}

export async function handleKeyVault(a: ArmRequest): Promise<SimResponse | undefined> {
  const path = parseResourcePath(a.segments);
  if (!path || !eq(path.provider, 'Microsoft.KeyVault') || !eq(path.rest[0], 'vaults')) return undefined;
  const state = a.ctx.state;
  const subId = `/subscriptions/${path.subscriptionId}`;
  if (path.rest.length === 1) {
    if (a.method !== 'GET') return undefined;
    const scope = path.resourceGroup ? rgId(path.subscriptionId, path.resourceGroup) : subId;
    const denied = requireAction(a, scope, 'Microsoft.KeyVault/vaults/read');
    if (denied) return denied;
    const top = Number(a.query.get('$top') ?? '0');
    const vaults = state.vaults.under(scope).map((v) => vaultResource(a, v));
    return json(200, { value: top > 0 ? vaults.slice(0, top) : vaults });
  }
  const vaultName = path.rest[1];
  if (!path.resourceGroup || !vaultName) return undefined;
  const id = `${rgId(path.subscriptionId, path.resourceGroup)}/providers/Microsoft.KeyVault/vaults/${vaultName}`;
  const vault = state.vaults.get(id);
  if (path.rest.length === 2) return vaultCrud(a, id, vaultName, path.subscriptionId, path.resourceGroup, vault);
  if (!vault) return notFound('Microsoft.KeyVault/vaults', vaultName, path.resourceGroup);
  const operation = path.rest[3];
  if (eq(path.rest[2], 'accessPolicies') && operation && path.rest.length === 4 && a.method === 'PUT') return updateAccessPolicies(a, vault, operation);
  if (eq(path.rest[2], 'keys')) return keys(a, vault, path.rest.slice(3));
  return undefined;
}

function vaultCrud(a: ArmRequest, id: string, name: string, subscriptionId: string, resourceGroup: string, vault: Vault | undefined): SimResponse | undefined {
  const state = a.ctx.state;
  if (a.method === 'GET') {
    return requireAction(a, id, 'Microsoft.KeyVault/vaults/read') ?? (vault ? json(200, vaultResource(a, vault)) : notFound('Microsoft.KeyVault/vaults', name, resourceGroup));
  }
  if (a.method === 'DELETE') {
    const denied = requireAction(a, id, 'Microsoft.KeyVault/vaults/delete');
    if (denied) return denied;
    if (!vault) return { status: 204 };
    state.vaults.delete(id);
    return { status: 200 };
  }
  if (a.method !== 'PUT' && a.method !== 'PATCH') return undefined;
  const denied = requireAction(a, id, 'Microsoft.KeyVault/vaults/write');
  if (denied) return denied;
  if (!state.resourceGroups.get(rgId(subscriptionId, resourceGroup))) return resourceGroupNotFound(resourceGroup);
  const input = body<VaultInput>(a) ?? {};
  const p = input.properties ?? {};
  if (a.method === 'PATCH' && !vault) return notFound('Microsoft.KeyVault/vaults', name, resourceGroup);
  if (!vault) {
    if (!/^[a-zA-Z0-9-]{3,24}$/.test(name)) {
      return armError(400, 'VaultNameNotValid', `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.`);
    }
    if (state.vaultByName(name)) return armError(409, 'VaultAlreadyExists', `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is already taken.`);
    if (!input.location || !p.tenantId || !p.sku) return armError(400, 'BadRequest', 'The parameters location, properties.tenantId and properties.sku are required.');
  }
  if (vault?.enablePurgeProtection && p.enablePurgeProtection === false) {
    return armError(400, 'BadRequest', 'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.');
  }
  if (vault?.enableSoftDelete && p.enableSoftDelete === false) {
    return armError(400, 'BadRequest', 'The property "enableSoftDelete" cannot be set to false. Enabling the soft delete for a vault is an irreversible action.');
  }
  const now = new Date().toISOString();
  const next: Vault = vault ?? {
    id, name, subscriptionId, resourceGroup, location: regionName(input.location ?? ''), tenantId: p.tenantId ?? a.claims.tid, tags: {},
    sku: 'standard', enableRbacAuthorization: false, enableSoftDelete: true, enablePurgeProtection: false, softDeleteRetentionInDays: 90,
    publicNetworkAccess: 'Enabled', networkDefaultAction: 'Allow', networkBypass: 'AzureServices', accessPolicies: [],
    keys: new Map(), deletedKeys: new Map(), createdAt: now, createdBy: String(a.claims.upn ?? a.claims.oid),
  };
  if (input.tags) next.tags = input.tags;
  if (p.sku?.name) next.sku = p.sku.name.toLowerCase() === 'premium' ? 'premium' : 'standard';
  if (p.accessPolicies) next.accessPolicies = p.accessPolicies;
  if (p.enableRbacAuthorization !== undefined) next.enableRbacAuthorization = p.enableRbacAuthorization;
  if (p.enablePurgeProtection) next.enablePurgeProtection = true;
  if (p.softDeleteRetentionInDays !== undefined && !vault) next.softDeleteRetentionInDays = p.softDeleteRetentionInDays;
  if (p.publicNetworkAccess) next.publicNetworkAccess = p.publicNetworkAccess === 'Disabled' ? 'Disabled' : 'Enabled';
  if (p.networkAcls?.defaultAction) next.networkDefaultAction = p.networkAcls.defaultAction === 'Deny' ? 'Deny' : 'Allow';
  if (p.networkAcls?.bypass) next.networkBypass = p.networkAcls.bypass;
  state.vaults.set(next);
  return json(vault ? 200 : 201, vaultResource(a, next));
}

function updateAccessPolicies(a: ArmRequest, vault: Vault, operation: string): SimResponse {
  const denied = requireAction(a, vault.id, 'Microsoft.KeyVault/vaults/accessPolicies/write');
  if (denied) return denied;
  const policies = body<{ properties?: { accessPolicies?: AccessPolicy[] } }>(a)?.properties?.accessPolicies ?? [];
  const sameEntry = (x: AccessPolicy, y: AccessPolicy) => x.objectId === y.objectId && x.tenantId === y.tenantId;
  const op = operation.toLowerCase();
  if (op === 'replace') vault.accessPolicies = policies;
  else if (op === 'remove') vault.accessPolicies = vault.accessPolicies.filter((p) => !policies.some((q) => sameEntry(p, q)));
  else if (op === 'add') {
    for (const policy of policies) {
      const current = vault.accessPolicies.find((p) => sameEntry(p, policy));
      if (!current) vault.accessPolicies.push(policy);
      else current.permissions = { keys: [...new Set([...current.permissions.keys, ...(policy.permissions.keys ?? [])])],
        secrets: [...new Set([...current.permissions.secrets, ...(policy.permissions.secrets ?? [])])] };
    }
  } else return armError(400, 'BadRequest', `Unknown access policy operation '${operation}'.`);
  return json(200, { id: `${vault.id}/accessPolicies/${op}`, name: op, type: 'Microsoft.KeyVault/vaults/accessPolicies', location: vault.location,
    properties: { accessPolicies: vault.accessPolicies } });
}

/** Management-plane keys: ARM permission plus, on RBAC vaults, the data-plane permission (ForbiddenByRbac otherwise). */
async function keys(a: ArmRequest, vault: Vault, rest: string[]): Promise<SimResponse | undefined> {
  const keyName = rest[0];
  const write = a.method === 'PUT';
  const denied = requireAction(a, keyName ? `${vault.id}/keys/${keyName}` : vault.id, write ? 'Microsoft.KeyVault/vaults/keys/write' : 'Microsoft.KeyVault/vaults/keys/read');
  if (denied) return denied;
  const dataDenied = checkKeyAccess(a.ctx.state, vault, keyName, a.claims, write ? 'create' : 'get');
  if (dataDenied && vault.enableRbacAuthorization && dataDenied.innerCode === 'ForbiddenByRbac') {
    return armError(403, 'ForbiddenByRbac', `[ForbiddenByRbac (Forbidden)] ${dataDenied.message}`);
  }
  if (!keyName) {
    if (a.method !== 'GET') return undefined;
    return json(200, { value: [...vault.keys.values()].map((k) => keyResource(a, vault, k)) });
  }
  const key = vault.keys.get(keyName.toLowerCase());
  if (rest.length === 1 && a.method === 'GET') return key ? json(200, keyResource(a, vault, key)) : notFound('Microsoft.KeyVault/vaults/keys', keyName, vault.resourceGroup);
  if (rest.length === 1 && write) {
    if (key) return json(200, keyResource(a, vault, key));
    const props = body<{ properties?: { kty?: string; keySize?: number; keyOps?: string[]; attributes?: { enabled?: boolean; exp?: number; nbf?: number }; rotationPolicy?: PolicyInput } }>(a)?.properties ?? {};
    const problem = props.rotationPolicy ? rotationPolicyProblem(props.rotationPolicy) : undefined;
    if (problem) return armError(400, 'BadParameter', problem);
    const kty = props.kty ?? 'RSA';
    const now = nowSeconds();
    const version = newKeyVersion();
    const v: KeyVersion = { version, kty, keySize: props.keySize ?? (kty.startsWith('EC') ? 256 : 2048), enabled: props.attributes?.enabled ?? true,
      keyOps: props.keyOps ?? ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'], created: now, updated: now,
      expires: props.attributes?.exp, notBefore: props.attributes?.nbf, materialId: `${vault.name}/${keyName}/${version}` };
    await keyMaterial(v.materialId, v.kty, v.keySize);
    const created: VaultKey = { name: keyName, versions: [v], tags: {}, ...(props.rotationPolicy ? { rotationPolicy: {
      lifetimeActions: (props.rotationPolicy.lifetimeActions ?? []).map((l) => ({
        trigger: { ...(l.trigger?.timeAfterCreate ? { timeAfterCreate: l.trigger.timeAfterCreate } : {}), ...(l.trigger?.timeBeforeExpiry ? { timeBeforeExpiry: l.trigger.timeBeforeExpiry } : {}) },
        action: { type: l.action?.type ?? '' },
      })),
      attributes: { expiryTime: props.rotationPolicy.attributes?.expiryTime ?? undefined, created: now, updated: now },
    } } : {}) };
    vault.keys.set(keyName.toLowerCase(), created);
    return json(200, keyResource(a, vault, created));
  }
  if (!key) return notFound('Microsoft.KeyVault/vaults/keys', keyName, vault.resourceGroup);
  if (eq(rest[1], 'versions') && a.method === 'GET') {
    const version = rest[2];
    if (!version) return json(200, { value: key.versions.map((v) => keyResource(a, vault, key, v)) });
    const v = findVersion(key, version);
    return v ? json(200, keyResource(a, vault, key, v)) : notFound('Microsoft.KeyVault/vaults/keys/versions', version, vault.resourceGroup);
  }
  return undefined;
}
