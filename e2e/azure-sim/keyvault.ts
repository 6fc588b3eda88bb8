/**
 * Key Vault data plane (keys, api-version 7.x) on each vault's own port (and the `/kv/{vaultName}/...` alias on the main port): the 401 bearer challenge,
 * keys get/list/versions/create/update/rotate/delete/recover/purge, rotation policies, and
 * wrap/unwrap/encrypt/decrypt with real RSA crypto.
 */
import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { onNewKeyVersion } from './arm/compute';
import { HSM_AUDIENCES, SIM_HSM_DNS_SUFFIX, SIM_HSM_RESOURCE, SIM_VAULT_DNS_SUFFIX, SIM_VAULT_RESOURCE, VAULT_AUDIENCES, type SimContext } from './context';
import { handleHsmRbac } from './hsm';
import { bearerToken, jsonBody, json, serviceError, type SimRequest, type SimResponse } from './http';
import { keyMaterial } from './keys';
import { newKeyVersion, nowSeconds, type KeyStoreRef, type KeyVersion, type ManagedHsm, type RotationPolicy, type Vault, type VaultKey } from './state';
import type { Claims } from './tokens';
import { rotationPolicyProblem } from './rotation-policy';
import { checkKeyAccess, type KeyOperation } from './vault-access';

const kvError = (status: number, code: string, message: string, innerCode?: string, headers: Record<string, string> = {}) =>
  serviceError('keyvault', status, code, message, headers, innerCode ? { innererror: { code: innerCode } } : {});

const CRYPTO_OPERATIONS: Record<string, KeyOperation> = { wrapkey: 'wrapKey', unwrapkey: 'unwrapKey', encrypt: 'encrypt', decrypt: 'decrypt' };

const OAEP: Record<string, { padding: number; oaepHash?: string }> = {
  'RSA-OAEP': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
  'RSA-OAEP-256': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
  RSA1_5: { padding: constants.RSA_PKCS1_PADDING },
};

interface KeyCreateBody {
  kty?: string; key_size?: number; crv?: string; key_ops?: string[];
  attributes?: { enabled?: boolean; exp?: number; nbf?: number }; tags?: Record<string, string>;
}

function recoveryLevel(vault: Vault): string {
  if (!vault.enableSoftDelete) return 'Purgeable';
  return vault.enablePurgeProtection ? 'Recoverable' : 'Recoverable+Purgeable';
}

/** Keys always hold at least one version (a key is created with its first). */
export function latestVersion(key: VaultKey): KeyVersion {
  const latest = key.versions[key.versions.length - 1];
  if (!latest) throw new Error(`Key ${key.name} has no versions`);
  return latest;
}

export function findVersion(key: VaultKey, version: string | undefined): KeyVersion | undefined {
  return version ? key.versions.find((v) => v.version === version.toLowerCase()) : latestVersion(key);
}

export function keyAttributes(vault: Vault, v: KeyVersion): Record<string, unknown> {
  return {
    enabled: v.enabled, ...(v.notBefore !== undefined ? { nbf: v.notBefore } : {}), ...(v.expires !== undefined ? { exp: v.expires } : {}),
    created: v.created, updated: v.updated, recoveryLevel: recoveryLevel(vault), recoverableDays: vault.softDeleteRetentionInDays,
  };
}

const EC_SIZES: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521 };

export class KeyVaultService {
  constructor(private readonly ctx: SimContext) {}

  /**
   * `store` is known when the request came to a vault's or Managed HSM's own port; otherwise the path carries
   * `/kv/{vaultName}` (vaults only).
   */
  async handle(req: SimRequest, store?: KeyStoreRef): Promise<SimResponse> {
    const match = store ? [req.path, store.name, req.path] : /^\/kv\/([^/]+)(\/.*)?$/.exec(req.path);
    const isHsm = store?.kind === 'managedHsm';
    const vault = match?.[1] ? this.ctx.state.keyStore({ name: match[1], kind: isHsm ? 'managedHsm' : 'vault' }) : undefined;
    if (!match || !vault) {
      return kvError(404, 'VaultNotFound', `The vault '${match?.[1] ?? ''}' does not exist in the simulator (a real client would fail DNS resolution).`);
    }
    // A port answers only under its vault's or pool's own host name, as a request for another name never reaches it in Azure.
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (store && host !== `${vault.name.toLowerCase()}.${isHsm ? SIM_HSM_DNS_SUFFIX : SIM_VAULT_DNS_SUFFIX}`) {
      return kvError(404, 'VaultNotFound', `The host '${host}' is not the vault '${vault.name}' (its address is ${this.ctx.state.vaultUri(vault)}).`);
    }
    // Every answer of the vault's own endpoint names its region, as Azure's do (`x-ms-keyvault-region`, see FIDELITY.md).
    const response = await this.answer(req, vault, isHsm, match[2] ?? '/');
    return { ...response, headers: { ...response.headers, 'x-ms-keyvault-region': vault.location } };
  }

  private async answer(req: SimRequest, vault: Vault | ManagedHsm, isHsm: boolean, rest: string): Promise<SimResponse> {
    const resource = isHsm ? SIM_HSM_RESOURCE : SIM_VAULT_RESOURCE;
    const audiences = isHsm ? HSM_AUDIENCES : VAULT_AUDIENCES;
    if (!req.url.searchParams.get('api-version')) {
      return kvError(400, 'BadParameter', "The 'api-version' query parameter is missing.");
    }
    const token = bearerToken(req);
    const challenge = { 'www-authenticate': `Bearer authorization="${this.ctx.origin}/${vault.tenantId}", resource="${resource}"` };
    if (!token) return kvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', undefined, challenge);
    const verified = this.ctx.signer.verify(token);
    if (!verified.ok) {
      return kvError(401, 'Unauthorized', verified.reason === 'expired' ? 'AKV10022: Token is expired.' : 'AKV10016: Token signature validation failed.', undefined, challenge);
    }
    const claims = verified.claims;
    if (!audiences.includes(claims.aud)) {
      return kvError(401, 'Unauthorized', `AKV10022: Invalid audience. Expected ${resource}, found: ${claims.aud}.`, undefined, challenge);
    }
    if (claims.tid !== vault.tenantId) {
      return kvError(401, 'Unauthorized', `AKV10032: Invalid issuer. Expected one of ${this.ctx.origin}/${vault.tenantId}/v2.0, found ${claims.iss}.`, undefined, challenge);
    }
    if (isHsm) {
      const rbac = handleHsmRbac(vault as ManagedHsm, req, rest, claims, this.ctx.settings.propagationDelayMs);
      if (rbac) return rbac;
    }
    return this.route(req, vault, claims, rest);
  }

  private async route(req: SimRequest, vault: Vault, claims: Claims, rest: string): Promise<SimResponse> {
    const seg = rest.split('/').slice(1);
    const m = req.method;
    const deny = (keyName: string | undefined, op: KeyOperation) => {
      const denied = checkKeyAccess(this.ctx.state, vault, keyName, claims, op);
      return denied ? kvError(denied.status, denied.code, denied.message, denied.innerCode) : undefined;
    };
    if (seg[0] === 'keys' && seg.length === 1 && m === 'GET') return deny(undefined, 'list') ?? this.listKeys(vault);
    if (seg[0] === 'deletedkeys') {
      const name = seg[1];
      if (!name && m === 'GET') return deny(undefined, 'list') ?? json(200, { value: [...vault.deletedKeys.values()].map((k) => this.deletedItem(vault, k)), nextLink: null });
      if (name && seg.length === 2 && m === 'GET') return deny(name, 'get') ?? this.getDeleted(vault, name);
      if (name && seg.length === 2 && m === 'DELETE') return deny(name, 'purge') ?? this.purge(vault, name);
      if (name && seg[2] === 'recover' && m === 'POST') return deny(name, 'recover') ?? this.recover(vault, name);
    }
    if (seg[0] !== 'keys' || !seg[1]) return kvError(400, 'BadParameter', `The request URI '${rest}' is not supported by the simulator.`);
    const name = decodeURIComponent(seg[1]);
    const action = seg[2] ?? '';
    if (seg.length === 3 && action === 'create' && m === 'POST') return deny(name, 'create') ?? this.createKey(vault, name, jsonBody<KeyCreateBody>(req) ?? {});
    if (seg.length === 3 && action === 'rotate' && m === 'POST') return deny(name, 'rotate') ?? this.rotateKey(vault, name);
    if (seg.length === 3 && action === 'versions' && m === 'GET') return deny(name, 'list') ?? this.listVersions(vault, name);
    if (seg.length === 3 && action === 'rotationpolicy') {
      if (m === 'GET') return deny(name, 'getrotationpolicy') ?? this.getRotationPolicy(vault, name);
      if (m === 'PUT') return deny(name, 'setrotationpolicy') ?? this.setRotationPolicy(vault, name, jsonBody<Partial<RotationPolicy>>(req) ?? {});
    }
    if (seg.length === 2 && m === 'DELETE') return deny(name, 'delete') ?? this.deleteKey(vault, name);
    if (seg.length <= 3 && m === 'GET') return deny(name, 'get') ?? this.getKey(vault, name, seg[2]);
    if (seg.length <= 3 && m === 'PATCH') return deny(name, 'update') ?? this.updateKey(vault, name, seg[2], jsonBody<KeyCreateBody>(req) ?? {});
    const operation = CRYPTO_OPERATIONS[seg[3]?.toLowerCase() ?? ''];
    if (seg.length === 4 && operation && m === 'POST') {
      return deny(name, operation) ?? this.crypto(vault, name, seg[2] ?? '', operation, jsonBody<{ alg?: string; value?: string }>(req) ?? {});
    }
    return kvError(405, 'BadParameter', `Method ${m} is not allowed on '${rest}'.`);
  }

  private keyNotFound(name: string): SimResponse {
    return kvError(404, 'KeyNotFound', `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
  }

  private async bundle(vault: Vault, key: VaultKey, v: KeyVersion): Promise<Record<string, unknown>> {
    const material = await keyMaterial(v.materialId, v.kty, v.keySize);
    return {
      key: { kid: this.ctx.state.keyId(vault, key.name, v.version), kty: v.kty, key_ops: v.keyOps, ...material.jwk },
      attributes: keyAttributes(vault, v),
      ...(Object.keys(key.tags).length > 0 ? { tags: key.tags } : {}),
    };
  }

  private listKeys(vault: Vault): SimResponse {
    const value = [...vault.keys.values()].map((k) => ({
      kid: this.ctx.state.keyId(vault, k.name), attributes: keyAttributes(vault, latestVersion(k)),
      ...(Object.keys(k.tags).length > 0 ? { tags: k.tags } : {}),
    }));
    return json(200, { value, nextLink: null });
  }

  private listVersions(vault: Vault, name: string): SimResponse {
    const key = vault.keys.get(name.toLowerCase());
    if (!key) return this.keyNotFound(name);
    return json(200, { value: key.versions.map((v) => ({ kid: this.ctx.state.keyId(vault, key.name, v.version), attributes: keyAttributes(vault, v) })), nextLink: null });
  }

  private async getKey(vault: Vault, name: string, version: string | undefined): Promise<SimResponse> {
    const key = vault.keys.get(name.toLowerCase());
    const v = key && findVersion(key, version);
    if (!key || !v) return this.keyNotFound(version ? `${name}/${version}` : name);
    return json(200, await this.bundle(vault, key, v));
  }

  private async createKey(vault: Vault, name: string, body: KeyCreateBody): Promise<SimResponse> {
    if (!/^[a-zA-Z0-9-]{1,127}$/.test(name)) return kvError(400, 'BadParameter', `The key name '${name}' is invalid: use 1-127 letters, digits and dashes.`);
    const kty = body.kty ?? '';
    if (!['RSA', 'RSA-HSM', 'EC', 'EC-HSM'].includes(kty)) return kvError(400, 'BadParameter', `Property has invalid value: kty '${kty}'.`);
    // A Managed HSM holds only HSM-protected keys (learn.microsoft.com/azure/key-vault/keys/about-keys).
    if (vault.kind === 'managedHsm' && !kty.endsWith('-HSM')) {
      return kvError(400, 'BadParameter', `Property has invalid value: kty '${kty}'. A managed HSM supports only HSM-protected key types (RSA-HSM, EC-HSM, oct-HSM).`);
    }
    if (kty.endsWith('-HSM') && vault.sku !== 'premium') {
      return kvError(400, 'BadParameter', 'HSM-protected keys require a Premium vault. The vault SKU is standard.');
    }
    const isEc = kty.startsWith('EC');
    const size = isEc ? EC_SIZES[body.crv ?? 'P-256'] ?? 256 : body.key_size ?? 2048;
    if (!isEc && ![2048, 3072, 4096].includes(size)) return kvError(400, 'BadParameter', `The key size ${size} is not supported. Supported sizes are 2048, 3072 and 4096.`);
    const existing = vault.keys.get(name.toLowerCase());
    const key: VaultKey = existing ?? { name, versions: [], tags: {} };
    const now = nowSeconds();
    const version = newKeyVersion();
    const v: KeyVersion = {
      version, kty, keySize: size, created: now, updated: now, enabled: body.attributes?.enabled ?? true,
      keyOps: body.key_ops ?? (isEc ? ['sign', 'verify'] : ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']),
      expires: body.attributes?.exp, notBefore: body.attributes?.nbf, materialId: `${vault.name}/${name}/${version}`,
    };
    const response = await this.bundleFor(vault, key, v, body.tags);
    vault.keys.set(name.toLowerCase(), key);
    if (existing) onNewKeyVersion(this.ctx, vault, key);
    return json(200, response);
  }

  /** Adds the version and builds its bundle only after the material exists (no half-made versions). */
  private async bundleFor(vault: Vault, key: VaultKey, v: KeyVersion, tags?: Record<string, string>): Promise<Record<string, unknown>> {
    await keyMaterial(v.materialId, v.kty, v.keySize);
    key.versions.push(v);
    if (tags) key.tags = tags;
    return this.bundle(vault, key, v);
  }

  private async rotateKey(vault: Vault, name: string): Promise<SimResponse> {
    const key = vault.keys.get(name.toLowerCase());
    if (!key) return this.keyNotFound(name);
    const previous = latestVersion(key);
    const now = nowSeconds();
    const version = newKeyVersion();
    const v: KeyVersion = { ...previous, version, created: now, updated: now, enabled: true, expires: undefined, notBefore: undefined,
      materialId: `${vault.name}/${key.name}/${version}` };
    const response = await this.bundleFor(vault, key, v);
    onNewKeyVersion(this.ctx, vault, key);
    return json(200, response);
  }

  private async updateKey(vault: Vault, name: string, version: string | undefined, body: KeyCreateBody): Promise<SimResponse> {
    const key = vault.keys.get(name.toLowerCase());
    const v = key && findVersion(key, version);
    if (!key || !v) return this.keyNotFound(name);
    if (body.key_ops) v.keyOps = body.key_ops;
    if (body.attributes?.enabled !== undefined) v.enabled = body.attributes.enabled;
    if (body.attributes && 'exp' in body.attributes) v.expires = body.attributes.exp ?? undefined;
    if (body.attributes && 'nbf' in body.attributes) v.notBefore = body.attributes.nbf ?? undefined;
    if (body.tags) key.tags = body.tags;
    v.updated = nowSeconds();
    return json(200, await this.bundle(vault, key, v));
  }

  private getRotationPolicy(vault: Vault, name: string): SimResponse {
    const key = vault.keys.get(name.toLowerCase());
    if (!key) return this.keyNotFound(name);
    const policy = key.rotationPolicy ?? { lifetimeActions: [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }], attributes: { created: latestVersion(key).created, updated: latestVersion(key).created } };
    return json(200, { id: `${this.ctx.state.keyId(vault, key.name)}/rotationpolicy`, ...policy });
  }

  private setRotationPolicy(vault: Vault, name: string, body: Partial<RotationPolicy>): SimResponse {
    const key = vault.keys.get(name.toLowerCase());
    if (!key) return this.keyNotFound(name);
    const problem = rotationPolicyProblem(body);
    if (problem) return kvError(400, 'BadParameter', problem);
    const now = nowSeconds();
    key.rotationPolicy = {
      lifetimeActions: body.lifetimeActions ?? [],
      attributes: { expiryTime: body.attributes?.expiryTime, created: key.rotationPolicy?.attributes.created ?? now, updated: now },
    };
    return this.getRotationPolicy(vault, name);
  }

  private async deleteKey(vault: Vault, name: string): Promise<SimResponse> {
    const key = vault.keys.get(name.toLowerCase());
    if (!key) return this.keyNotFound(name);
    vault.keys.delete(name.toLowerCase());
    key.deletedDate = nowSeconds();
    key.scheduledPurgeDate = key.deletedDate + vault.softDeleteRetentionInDays * 86400;
    vault.deletedKeys.set(name.toLowerCase(), key);
    return json(200, { ...(await this.bundle(vault, key, latestVersion(key))), ...this.deletedInfo(vault, key) });
  }

  private deletedInfo(vault: Vault, key: VaultKey): Record<string, unknown> {
    return { recoveryId: `${this.ctx.state.vaultUri(vault)}deletedkeys/${key.name}`, deletedDate: key.deletedDate, scheduledPurgeDate: key.scheduledPurgeDate };
  }

  private deletedItem(vault: Vault, key: VaultKey): Record<string, unknown> {
    return { kid: this.ctx.state.keyId(vault, key.name), attributes: keyAttributes(vault, latestVersion(key)), ...this.deletedInfo(vault, key) };
  }

  private async getDeleted(vault: Vault, name: string): Promise<SimResponse> {
    const key = vault.deletedKeys.get(name.toLowerCase());
    if (!key) return kvError(404, 'KeyNotFound', `Deleted Key not found: ${name}`);
    return json(200, { ...(await this.bundle(vault, key, latestVersion(key))), ...this.deletedInfo(vault, key) });
  }

  private purge(vault: Vault, name: string): SimResponse {
    if (!vault.deletedKeys.has(name.toLowerCase())) return kvError(404, 'KeyNotFound', `Deleted Key not found: ${name}`);
    if (vault.enablePurgeProtection) {
      return kvError(403, 'Forbidden', `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.\r\nVault: ${vault.name};location=${vault.location}`, 'ForbiddenByPolicy');
    }
    vault.deletedKeys.delete(name.toLowerCase());
    return { status: 204 };
  }

  private async recover(vault: Vault, name: string): Promise<SimResponse> {
    const key = vault.deletedKeys.get(name.toLowerCase());
    if (!key) return kvError(404, 'KeyNotFound', `Deleted Key not found: ${name}`);
    vault.deletedKeys.delete(name.toLowerCase());
    key.deletedDate = undefined;
    key.scheduledPurgeDate = undefined;
    vault.keys.set(name.toLowerCase(), key);
    return json(200, await this.bundle(vault, key, latestVersion(key)));
  }

  private async crypto(vault: Vault, name: string, version: string, operation: KeyOperation, body: { alg?: string; value?: string }): Promise<SimResponse> {
    const key = vault.keys.get(name.toLowerCase());
    const v = key && findVersion(key, version || undefined);
    if (!key || !v) return this.keyNotFound(name);
    if (!v.enabled) return kvError(403, 'Forbidden', `Operation ${operation} is not allowed on a disabled key.`, 'KeyDisabled');
    const now = nowSeconds();
    if (v.expires !== undefined && v.expires <= now) return kvError(403, 'Forbidden', `Operation ${operation} is not allowed on an expired key.`, 'KeyExpired');
    if (v.notBefore !== undefined && v.notBefore > now) return kvError(403, 'Forbidden', `Operation ${operation} is not allowed on a key that is not yet valid.`, 'KeyNotYetValid');
    if (!v.keyOps.includes(operation)) return kvError(403, 'Forbidden', `Operation ${operation} is not permitted on this key.`, 'KeyOperationForbidden');
    if (!v.kty.startsWith('RSA')) return kvError(400, 'BadParameter', `Operation ${operation} is not supported for key type ${v.kty}.`);
    const padding = OAEP[body.alg ?? ''];
    if (!padding || body.value === undefined) return kvError(400, 'BadParameter', `Invalid algorithm '${body.alg ?? ''}' or missing value.`);
    const material = await keyMaterial(v.materialId, v.kty, v.keySize);
    const input = Buffer.from(body.value, 'base64url');
    const encrypting = operation === 'wrapKey' || operation === 'encrypt';
    try {
      const output = encrypting
        ? publicEncrypt({ key: material.publicKey, ...padding }, input)
        : privateDecrypt({ key: material.privateKey, ...padding }, input);
      return json(200, { kid: this.ctx.state.keyId(vault, key.name, v.version), value: output.toString('base64url') });
    } catch (error) {
      return kvError(400, 'BadParameter', `The ${operation} operation failed: ${(error as Error).message}`);
    }
  }
}
