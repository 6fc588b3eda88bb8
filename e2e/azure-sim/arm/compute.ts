/**
 * Microsoft.Compute: disk encryption sets (long-running, validated against the customer's key the
 * way Azure does it, following key rotation), managed disks and VMs (deallocate/start as LROs).
 *
 * DES validation errors (HTTP 400, synchronous, as Azure answers the PUT/PATCH):
 *   InvalidParameter                      malformed or unversioned activeKey.keyUrl, bad identity/encryptionType
 *   KeyVaultAccessForbidden               no federated token (no FIC match, app not consented in the key's tenant)
 *                                         or no get/wrapKey/unwrapKey permission, or blocked by the vault firewall
 *   KeyVaultNotFound / KeyNotFound        the vault or key version behind keyUrl does not exist
 *   KeyVaultPurgeProtectionNotEnabled     soft delete + purge protection missing (seen as the key's recoveryLevel)
 *   KeyVaultRegionMismatch                vault and disk encryption set are in different regions
 *   KeyDisabled / KeyExpired              the key version is disabled, expired or not yet valid
 *   UnsupportedKeyType / UnsupportedKeySize  not RSA/RSA-HSM, or not 2048/3072/4096 bits
 */
import { randomUUID } from 'node:crypto';
import { TOKEN_EXCHANGE_AUDIENCE, issuerFor, type SimContext } from '../context';
import { json, type SimResponse } from '../http';
import type { ApiError, Disk, DiskEncryptionSet, LongRunningOperation, UserAssignedIdentity, Vault, VaultKey, VirtualMachine } from '../state';
import { checkKeyAccess, type Caller } from '../vault-access';
import { armError, body, eq, notFound, parseResourcePath, requireAction, resourceGroupNotFound, rgId, type ArmRequest } from './arm';
import { regionName } from './resources';

const DES_TYPE = 'Microsoft.Compute/diskEncryptionSets';
const ENCRYPTION_TYPES = ['EncryptionAtRestWithCustomerKey', 'EncryptionAtRestWithPlatformAndCustomerKeys', 'ConfidentialVmEncryptedWithCustomerKey'];

export function desResource(d: DiskEncryptionSet): Record<string, unknown> {
  return {
    id: d.id, name: d.name, type: DES_TYPE, location: d.location, tags: d.tags, identity: d.identity,
    properties: {
      activeKey: { keyUrl: d.keyUrl, ...(d.sourceVaultId ? { sourceVault: { id: d.sourceVaultId } } : {}) },
      encryptionType: d.encryptionType, previousKeys: d.previousKeys.map((keyUrl) => ({ keyUrl })), provisioningState: d.provisioningState,
      rotationToLatestKeyVersionEnabled: d.rotationToLatestKeyVersionEnabled,
      ...(d.federatedClientId ? { federatedClientId: d.federatedClientId } : {}),
      ...(d.lastKeyRotationTimestamp ? { lastKeyRotationTimestamp: d.lastKeyRotationTimestamp } : {}),
      ...(d.autoKeyRotationError ? { autoKeyRotationError: d.autoKeyRotationError } : {}),
    },
  };
}

function diskResource(d: Disk): Record<string, unknown> {
  return {
    id: d.id, name: d.name, type: 'Microsoft.Compute/disks', location: d.location, ...(d.managedBy ? { managedBy: d.managedBy } : {}),
    sku: { name: d.sku, tier: d.sku.startsWith('Premium') ? 'Premium' : 'Standard' }, tags: {},
    properties: {
      creationData: { createOption: 'Empty' }, diskSizeGB: d.diskSizeGB, diskState: d.managedBy ? 'Attached' : 'Unattached',
      encryption: d.diskEncryptionSetId ? { type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSetId: d.diskEncryptionSetId } : { type: 'EncryptionAtRestWithPlatformKey' },
      provisioningState: 'Succeeded', timeCreated: d.timeCreated, uniqueId: d.uniqueId,
    },
  };
}

function vmInstanceView(vm: VirtualMachine): Record<string, unknown> {
  const display: Record<VirtualMachine['powerState'], string> = { running: 'VM running', deallocated: 'VM deallocated', deallocating: 'VM deallocating', starting: 'VM starting', stopped: 'VM stopped' };
  return { statuses: [
    { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
    { code: `PowerState/${vm.powerState}`, level: 'Info', displayStatus: display[vm.powerState] },
  ] };
}

function vmResource(vm: VirtualMachine, state: ArmRequest['ctx']['state'], expandInstanceView: boolean): Record<string, unknown> {
  const osDisk = state.disks.get(vm.osDiskId);
  return {
    id: vm.id, name: vm.name, type: 'Microsoft.Compute/virtualMachines', location: vm.location, tags: {},
    properties: {
      vmId: vm.vmId, provisioningState: 'Succeeded', hardwareProfile: { vmSize: 'Standard_D2s_v5' },
      storageProfile: { osDisk: { osType: 'Linux', name: osDisk?.name, createOption: 'FromImage', caching: 'ReadWrite',
        managedDisk: { id: vm.osDiskId, storageAccountType: osDisk?.sku ?? 'Premium_LRS',
          ...(osDisk?.diskEncryptionSetId ? { diskEncryptionSet: { id: osDisk.diskEncryptionSetId } } : {}) } }, dataDisks: [] },
      ...(expandInstanceView ? { instanceView: vmInstanceView(vm) } : {}),
    },
  };
}

// ---- the checks Azure makes against the customer's key ----------------------------------------

interface DesCandidate { location: string; identity: DiskEncryptionSet['identity']; keyUrl: string; federatedClientId?: string; encryptionType: string }

type Failure = { code: string; message: string; target?: string };

/** The principal the disk service acts as: the UAMI itself, or (cross-tenant) the app's service principal reached through its FIC. */
function keyCaller(ctx: SimContext, identity: UserAssignedIdentity, federatedClientId: string | undefined, vault: Vault, keyUrl: string): Caller | Failure {
  const forbidden = (reason: string): Failure => ({ code: 'KeyVaultAccessForbidden',
    message: `Unable to access key vault resource '${keyUrl}' to enable encryption at rest. Please grant get, wrap and unwrap key permissions to user-assigned identity '${identity.id}'${federatedClientId ? ` through multi-tenant application '${federatedClientId}'` : ''}. Please visit https://aka.ms/keyvaultaccessssecmk for more information. ${reason}` });
  if (!federatedClientId) {
    return identity.tenantId === vault.tenantId
      ? { oid: identity.principalId, tid: identity.tenantId, appid: identity.clientId, iss: issuerFor(ctx.origin, identity.tenantId) }
      : forbidden(`The key vault is in tenant '${vault.tenantId}'; set federatedClientId to use a key from another tenant.`);
  }
  const app = ctx.state.applications.get(federatedClientId);
  if (!app) return forbidden(`AADSTS700016: Application with identifier '${federatedClientId}' was not found in the directory '${identity.tenantId}'.`);
  const issuer = issuerFor(ctx.origin, identity.tenantId);
  const fic = app.federatedIdentityCredentials.find((f) => f.issuer === issuer && f.subject === identity.principalId && f.audiences.includes(TOKEN_EXCHANGE_AUDIENCE));
  if (!fic) {
    return forbidden(`AADSTS700213: No matching federated identity record found for presented assertion subject '${identity.principalId}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
  }
  const sp = ctx.state.replicatedServicePrincipal(app.appId, vault.tenantId);
  if (!sp) {
    return forbidden(`AADSTS700016: Application with identifier '${app.appId}' was not found in the directory '${vault.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  }
  return { oid: sp.id, tid: vault.tenantId, appid: app.appId, iss: issuerFor(ctx.origin, vault.tenantId) };
}

/** Everything Azure verifies before it accepts a key for a disk encryption set; undefined = acceptable. */
export function validateDesKey(ctx: SimContext, c: DesCandidate): Failure | undefined {
  const state = ctx.state;
  if (!ENCRYPTION_TYPES.includes(c.encryptionType)) {
    return { code: 'InvalidParameter', target: 'properties.encryptionType', message: `The value '${c.encryptionType}' of parameter 'encryptionType' is not valid.` };
  }
  const identityIds = Object.keys(c.identity.userAssignedIdentities ?? {});
  const identityId = identityIds[0];
  if (!c.identity.type.includes('UserAssigned') || identityIds.length !== 1 || !identityId) {
    return { code: 'InvalidParameter', target: 'identity', message: 'The disk encryption set must have exactly one user-assigned identity (identity.type UserAssigned).' };
  }
  const identity = state.identities.get(identityId);
  if (!identity) {
    return { code: 'InvalidParameter', target: 'identity.userAssignedIdentities', message: `The user-assigned identity '${identityId}' was not found.` };
  }
  const parsed = state.parseKeyUrl(c.keyUrl);
  if (!parsed) return { code: 'InvalidParameter', target: 'properties.activeKey.keyUrl', message: `The key URL '${c.keyUrl}' is not a valid Key Vault key URL.` };
  if (!parsed.version || !/^[0-9a-f]{32}$/i.test(parsed.version)) {
    return { code: 'InvalidParameter', target: 'properties.activeKey.keyUrl',
      message: `The key URL '${c.keyUrl}' must be versioned: https://{vault}/keys/{name}/{version}. A versioned URL is required even when rotationToLatestKeyVersionEnabled is set.` };
  }
  const vault = state.keyStore({ name: parsed.vaultName, kind: parsed.kind });
  if (!vault) return { code: 'KeyVaultNotFound', message: `The key vault for key URL '${c.keyUrl}' could not be resolved.` };
  const caller = keyCaller(ctx, identity, c.federatedClientId, vault, c.keyUrl);
  if ('code' in caller) return caller;
  for (const operation of ['get', 'wrapKey', 'unwrapKey'] as const) {
    const denied = checkKeyAccess(state, vault, parsed.keyName, caller, operation, { trustedService: true });
    if (denied) {
      return { code: 'KeyVaultAccessForbidden', message: `Unable to access key vault resource '${c.keyUrl}' to enable encryption at rest. Please grant get, wrap and unwrap key permissions to user-assigned identity '${identity.id}'${c.federatedClientId ? ` (multi-tenant application '${c.federatedClientId}')` : ''}. Please visit https://aka.ms/keyvaultaccessssecmk for more information. Key Vault said: ${denied.innerCode}: ${denied.message.split('\r\n')[0]}` };
    }
  }
  const key = vault.keys.get(parsed.keyName.toLowerCase());
  const version = key?.versions.find((v) => v.version === parsed.version?.toLowerCase());
  if (!key || !version) return { code: 'KeyNotFound', message: `The key '${c.keyUrl}' was not found in key vault '${vault.name}'.` };
  if (!vault.enableSoftDelete || !vault.enablePurgeProtection) {
    return { code: 'KeyVaultPurgeProtectionNotEnabled',
      message: `The key vault '${vault.name}' of key '${c.keyUrl}' must have soft delete and purge protection enabled to be used for encryption at rest (key recoveryLevel is '${vault.enableSoftDelete ? 'Recoverable+Purgeable' : 'Purgeable'}').` };
  }
  if (regionName(vault.location) !== regionName(c.location)) {
    return { code: 'KeyVaultRegionMismatch',
      message: `The key vault '${vault.name}' is in region '${vault.location}' but the disk encryption set is in '${regionName(c.location)}'. The key vault and the disk encryption set must be in the same region.` };
  }
  const now = Math.floor(Date.now() / 1000);
  if (!version.enabled) return { code: 'KeyDisabled', message: `The key '${c.keyUrl}' is disabled. Enable the key or use another key version.` };
  if (version.expires !== undefined && version.expires <= now) return { code: 'KeyExpired', message: `The key '${c.keyUrl}' has expired.` };
  if (version.notBefore !== undefined && version.notBefore > now) return { code: 'KeyDisabled', message: `The key '${c.keyUrl}' is not yet valid (nbf).` };
  if (version.kty !== 'RSA' && version.kty !== 'RSA-HSM') {
    return { code: 'UnsupportedKeyType', message: `The key type '${version.kty}' of key '${c.keyUrl}' is not supported. Use an RSA or RSA-HSM key.` };
  }
  if (![2048, 3072, 4096].includes(version.keySize)) {
    return { code: 'UnsupportedKeySize', message: `The key size ${version.keySize} of key '${c.keyUrl}' is not supported. Use 2048, 3072 or 4096 bits.` };
  }
  if (!version.keyOps.includes('wrapKey') || !version.keyOps.includes('unwrapKey')) {
    return { code: 'KeyVaultAccessForbidden', message: `The key '${c.keyUrl}' does not permit wrapKey and unwrapKey operations.` };
  }
  return undefined;
}

// ---- long-running operations ------------------------------------------------------------------

function operationUrl(ctx: SimContext, op: LongRunningOperation, apiVersion: string, monitor = false): string {
  return `${ctx.origin}/arm/subscriptions/${op.subscriptionId}/providers/Microsoft.Compute/locations/${op.location}/DiskOperations/${op.id}?${monitor ? 'monitor=true&' : ''}api-version=${apiVersion}`;
}

/** Starts an operation that ends after lroDurationMs (or as an armed fault says) and returns its 202 headers. */
function startOperation(a: ArmRequest, subscriptionId: string, location: string, kind: string, resourceId: string,
  finish: (outcome: { error?: ApiError }) => void, options: { locationHeader?: string; outcomeError?: ApiError } = {}): Record<string, string> {
  const { ctx } = a;
  const op: LongRunningOperation = { id: randomUUID(), subscriptionId, location: regionName(location), status: 'InProgress',
    startTime: new Date().toISOString(), kind, resourceId, stalled: false, finish };
  ctx.state.operations.set(op.id, op);
  const fault = ctx.faults.lro;
  if (fault && fault.remaining > 0) {
    fault.remaining -= 1;
    if (fault.remaining === 0) ctx.faults.lro = undefined;
    if (fault.mode === 'stall') op.stalled = true;
    else ctx.schedule(ctx.settings.lroDurationMs, () => completeOperation(op, fault.error));
  } else {
    ctx.schedule(ctx.settings.lroDurationMs, () => completeOperation(op, options.outcomeError));
  }
  return {
    'azure-asyncoperation': operationUrl(ctx, op, a.apiVersion),
    location: options.locationHeader ?? operationUrl(ctx, op, a.apiVersion, true),
    'retry-after': '1',
  };
}

export function completeOperation(op: LongRunningOperation, error?: ApiError): void {
  if (op.status !== 'InProgress') return;
  op.status = error ? 'Failed' : 'Succeeded';
  op.error = error;
  op.endTime = new Date().toISOString();
  op.stalled = false;
  op.finish?.({ error });
}

function operationStatus(a: ArmRequest, opId: string): SimResponse {
  const op = a.ctx.state.operations.get(opId);
  if (!op) return armError(404, 'OperationNotFound', `The operation '${opId}' was not found.`);
  if (a.query.get('monitor') === 'true') {
    if (op.status === 'InProgress') return { status: 202, headers: { location: operationUrl(a.ctx, op, a.apiVersion, true) } };
    if (op.status === 'Failed') return armError(400, op.error?.code ?? 'InternalOperationError', op.error?.message ?? 'The operation failed.');
    // Operations whose final state is a resource (create/update) return it here, as Compute does for `final-state-via: location`.
    const des = op.resourceId && op.kind !== 'delete' ? a.ctx.state.diskEncryptionSets.get(op.resourceId) : undefined;
    const disk = op.resourceId ? a.ctx.state.disks.get(op.resourceId) : undefined;
    if (des) return json(200, desResource(des));
    return disk ? json(200, diskResource(disk)) : { status: 200 };
  }
  return json(200, { name: op.id, status: op.status, startTime: op.startTime, ...(op.endTime ? { endTime: op.endTime } : {}),
    ...(op.error ? { error: { code: op.error.code, message: op.error.message } } : {}) });
}

// ---- automatic key rotation -----------------------------------------------------------------------

/** Called by the Key Vault data plane when a key gets a new version: DES with auto-rotation follow it. */
export function onNewKeyVersion(ctx: SimContext, vault: Vault, key: VaultKey): void {
  for (const des of ctx.state.diskEncryptionSets.values()) {
    const parsed = ctx.state.parseKeyUrl(des.keyUrl);
    if (!des.rotationToLatestKeyVersionEnabled || !parsed || parsed.kind !== (vault.kind ?? 'vault') || !eq(parsed.vaultName, vault.name) || !eq(parsed.keyName, key.name)) continue;
    ctx.state.pendingRotations.add(des.id);
    ctx.schedule(ctx.settings.rotationDelayMs, () => advanceRotation(ctx, des.id));
  }
}

/** One step of auto-rotation: switch to the latest version (Updating, previousKeys set), then finish re-encryption. */
export function advanceRotation(ctx: SimContext, desId: string): void {
  if (!ctx.state.pendingRotations.delete(desId)) return;
  const des = ctx.state.diskEncryptionSets.get(desId);
  if (!des) return;
  if (des.provisioningState === 'Updating' && des.previousKeys.length > 0) {
    des.previousKeys = [];
    des.provisioningState = 'Succeeded';
    return;
  }
  const parsed = ctx.state.parseKeyUrl(des.keyUrl);
  const vault = parsed && ctx.state.keyStore({ name: parsed.vaultName, kind: parsed.kind });
  const key = vault?.keys.get(parsed?.keyName.toLowerCase() ?? '');
  const latest = key?.versions[key.versions.length - 1];
  if (!vault || !key || !latest || latest.version === parsed?.version) return;
  const newUrl = ctx.state.keyId(vault, key.name, latest.version);
  const failure = validateDesKey(ctx, { ...des, keyUrl: newUrl });
  if (failure) {
    des.autoKeyRotationError = { code: failure.code, message: `Auto-key rotation was disabled as DiskEncryptionSet '${des.name}' could not use key '${newUrl}': ${failure.message} Please update the resource to re-enable auto-key rotation.` };
    return;
  }
  des.previousKeys = [des.keyUrl];
  des.keyUrl = newUrl;
  des.provisioningState = 'Updating';
  des.lastKeyRotationTimestamp = new Date().toISOString();
  des.autoKeyRotationError = undefined;
  ctx.state.pendingRotations.add(des.id);
  ctx.schedule(ctx.settings.rotationDelayMs, () => advanceRotation(ctx, des.id));
}

// ---- routing ------------------------------------------------------------------------------------------

interface DesInput {
  location?: string; tags?: Record<string, string>;
  identity?: { type?: string; userAssignedIdentities?: Record<string, unknown> };
  properties?: { activeKey?: { keyUrl?: string; sourceVault?: { id?: string } }; encryptionType?: string; rotationToLatestKeyVersionEnabled?: boolean; federatedClientId?: string };
}

export function handleCompute(a: ArmRequest): SimResponse | undefined {
  const path = parseResourcePath(a.segments);
  if (!path || !eq(path.provider, 'Microsoft.Compute')) return undefined;
  const [type, name, child, grandChild] = path.rest;
  if (eq(type, 'locations') && (eq(child, 'DiskOperations') || eq(child, 'operations')) && grandChild && a.method === 'GET') {
    return operationStatus(a, grandChild);
  }
  const scope = path.resourceGroup ? rgId(path.subscriptionId, path.resourceGroup) : `/subscriptions/${path.subscriptionId}`;
  const collection = { diskencryptionsets: a.ctx.state.diskEncryptionSets, disks: a.ctx.state.disks, virtualmachines: a.ctx.state.virtualMachines }[type?.toLowerCase() ?? ''];
  if (!collection) return undefined;
  const fullType = `Microsoft.Compute/${type}`;
  if (!name) {
    if (a.method !== 'GET') return undefined;
    const denied = requireAction(a, scope, `${fullType}/read`);
    if (denied) return denied;
    if (eq(type, 'diskEncryptionSets')) return json(200, { value: a.ctx.state.diskEncryptionSets.under(scope).map(desResource) });
    if (eq(type, 'disks')) return json(200, { value: a.ctx.state.disks.under(scope).map(diskResource) });
    return json(200, { value: a.ctx.state.virtualMachines.under(scope).map((vm) => vmResource(vm, a.ctx.state, false)) });
  }
  if (!path.resourceGroup) return undefined;
  const id = `${scope}/providers/${fullType}/${name}`;
  if (eq(type, 'diskEncryptionSets')) return diskEncryptionSet(a, id, name, path.subscriptionId, path.resourceGroup, child);
  if (eq(type, 'disks')) return disk(a, id, name, path.resourceGroup);
  return virtualMachine(a, id, name, path.resourceGroup, child);
}

function diskEncryptionSet(a: ArmRequest, id: string, name: string, subscriptionId: string, resourceGroup: string, child?: string): SimResponse | undefined {
  const state = a.ctx.state;
  const existing = state.diskEncryptionSets.get(id);
  if (eq(child, 'associatedResources') && a.method === 'GET') {
    const denied = requireAction(a, id, `${DES_TYPE}/read`);
    if (denied) return denied;
    if (!existing) return notFound(DES_TYPE, name, resourceGroup);
    return json(200, { value: state.disks.values().filter((d) => eq(d.diskEncryptionSetId, existing.id)).map((d) => d.id) });
  }
  if (child) return undefined;
  if (a.method === 'GET') return requireAction(a, id, `${DES_TYPE}/read`) ?? (existing ? json(200, desResource(existing)) : notFound(DES_TYPE, name, resourceGroup));
  if (a.method === 'DELETE') {
    const denied = requireAction(a, id, `${DES_TYPE}/delete`);
    if (denied) return denied;
    if (!existing) return { status: 204 };
    const inUse = state.disks.values().filter((d) => eq(d.diskEncryptionSetId, existing.id));
    if (inUse.length > 0) {
      return armError(409, 'OperationNotAllowed', `Disk encryption set '${name}' is in use by ${inUse.length} resource(s) (for example '${inUse[0]?.id}') and cannot be deleted.`);
    }
    existing.provisioningState = 'Deleting';
    const headers = startOperation(a, subscriptionId, existing.location, 'delete', existing.id, ({ error }) => {
      if (error) existing.provisioningState = 'Failed';
      else state.diskEncryptionSets.delete(existing.id);
    });
    return { status: 202, headers };
  }
  if (a.method !== 'PUT' && a.method !== 'PATCH') return undefined;
  const denied = requireAction(a, id, `${DES_TYPE}/write`);
  if (denied) return denied;
  if (!state.resourceGroups.get(rgId(subscriptionId, resourceGroup))) return resourceGroupNotFound(resourceGroup);
  if (a.method === 'PATCH' && !existing) return notFound(DES_TYPE, name, resourceGroup);
  if (!/^[a-zA-Z0-9_-]{1,80}$/.test(name)) return armError(400, 'InvalidParameter', `The disk encryption set name '${name}' is invalid.`, { target: 'diskEncryptionSetName' });
  const input = body<DesInput>(a) ?? {};
  const p = input.properties ?? {};
  const keyUrl = p.activeKey?.keyUrl ?? existing?.keyUrl;
  const location = existing?.location ?? (input.location ? regionName(input.location) : undefined);
  if (!location) return armError(400, 'LocationRequired', 'The location property is required for this definition.');
  if (!keyUrl) return armError(400, 'InvalidParameter', 'Required parameter \'activeKey.keyUrl\' is missing (null).', { target: 'properties.activeKey.keyUrl' });
  const identity = input.identity?.type
    ? { type: input.identity.type, userAssignedIdentities: Object.fromEntries(Object.keys(input.identity.userAssignedIdentities ?? {}).map((uid) => {
      const mi = state.identities.get(uid);
      return [mi?.id ?? uid, { principalId: mi?.principalId ?? '', clientId: mi?.clientId ?? '' }];
    })) }
    : existing?.identity ?? { type: 'None' };
  const federatedClientId = p.federatedClientId === 'None' ? undefined : (p.federatedClientId ?? existing?.federatedClientId);
  const encryptionType = p.encryptionType ?? existing?.encryptionType ?? 'EncryptionAtRestWithCustomerKey';
  if (input.identity?.type && a.method === 'PUT') {
    for (const uid of Object.keys(identity.userAssignedIdentities ?? {})) {
      const assignDenied = requireAction(a, uid, 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action');
      if (assignDenied) return assignDenied;
    }
  }
  const failure = validateDesKey(a.ctx, { location, identity, keyUrl, federatedClientId, encryptionType });
  if (failure) return armError(400, failure.code, failure.message, failure.target ? { target: failure.target } : {});
  const keyChanged = existing !== undefined && !eq(existing.keyUrl, keyUrl);
  const des: DiskEncryptionSet = existing ?? {
    id, name, subscriptionId, resourceGroup, location, tags: {}, identity, encryptionType, keyUrl,
    rotationToLatestKeyVersionEnabled: false, previousKeys: [], provisioningState: 'Updating',
  };
  if (input.tags) des.tags = input.tags;
  des.identity = identity;
  des.encryptionType = encryptionType;
  des.federatedClientId = federatedClientId;
  des.sourceVaultId = p.activeKey?.sourceVault?.id ?? (p.activeKey ? undefined : des.sourceVaultId);
  if (p.rotationToLatestKeyVersionEnabled !== undefined) des.rotationToLatestKeyVersionEnabled = p.rotationToLatestKeyVersionEnabled;
  // Updating the resource re-enables auto-rotation after an error, as in Azure.
  des.autoKeyRotationError = undefined;
  if (keyChanged) {
    des.previousKeys = [des.keyUrl];
    des.keyUrl = keyUrl;
    des.lastKeyRotationTimestamp = new Date().toISOString();
  }
  des.provisioningState = 'Updating';
  state.diskEncryptionSets.set(des);
  const resourceUrl = `${a.ctx.origin}/arm${des.id}?api-version=${a.apiVersion}`;
  const headers = startOperation(a, subscriptionId, location, existing ? 'update' : 'create', des.id, ({ error }) => {
    des.provisioningState = error ? 'Failed' : 'Succeeded';
    if (!error) des.previousKeys = [];
  }, { locationHeader: resourceUrl });
  return { status: 202, headers, body: desResource(des) };
}

function disk(a: ArmRequest, id: string, name: string, resourceGroup: string): SimResponse | undefined {
  const state = a.ctx.state;
  const d = state.disks.get(id);
  if (a.method === 'GET') return requireAction(a, id, 'Microsoft.Compute/disks/read') ?? (d ? json(200, diskResource(d)) : notFound('Microsoft.Compute/disks', name, resourceGroup));
  if (a.method === 'DELETE') {
    const denied = requireAction(a, id, 'Microsoft.Compute/disks/delete');
    if (denied) return denied;
    if (!d) return { status: 204 };
    // Azure refuses to delete a disk that is attached, whatever the VM's power state.
    if (d.managedBy) return armError(409, 'OperationNotAllowed', `Disk ${d.name} is attached to VM ${d.managedBy}.`);
    const headers = startOperation(a, d.subscriptionId, d.location, 'delete', d.id, ({ error }) => {
      if (!error) state.disks.delete(d.id);
    });
    return { status: 202, headers };
  }
  if (a.method !== 'PATCH' && a.method !== 'PUT') return undefined;
  const denied = requireAction(a, id, 'Microsoft.Compute/disks/write');
  if (denied) return denied;
  if (!d) return armError(400, 'OperationNotAllowed', 'Creating managed disks is not supported by the simulator; use the seeded disks.');
  const encryption = body<{ properties?: { encryption?: { type?: string; diskEncryptionSetId?: string } } }>(a)?.properties?.encryption;
  if (!encryption) return json(200, diskResource(d));
  const desId = encryption.type === 'EncryptionAtRestWithPlatformKey' ? undefined : encryption.diskEncryptionSetId;
  if (desId) {
    const des = state.diskEncryptionSets.get(desId);
    if (!des) return armError(404, 'NotFound', `Disk encryption set '${desId}' was not found.`);
    if (regionName(des.location) !== regionName(d.location)) {
      return armError(400, 'InvalidParameter', `Disk encryption set '${des.name}' is in '${des.location}' but disk '${d.name}' is in '${d.location}'.`, { target: 'diskEncryptionSetId' });
    }
  }
  const vm = d.managedBy ? state.virtualMachines.get(d.managedBy) : undefined;
  if (vm && vm.powerState !== 'deallocated') {
    return armError(409, 'OperationNotAllowed', `Changing the encryption of disk '${d.name}' attached to running VM '${vm.name}' is not allowed. Deallocate the VM first.`);
  }
  const headers = startOperation(a, d.subscriptionId, d.location, 'disk-update', d.id, ({ error }) => {
    if (!error) d.diskEncryptionSetId = desId ? state.diskEncryptionSets.get(desId)?.id : undefined;
  });
  return { status: 202, headers };
}

function virtualMachine(a: ArmRequest, id: string, name: string, resourceGroup: string, action?: string): SimResponse | undefined {
  const state = a.ctx.state;
  const vm = state.virtualMachines.get(id);
  if (a.method === 'GET') {
    const denied = requireAction(a, id, 'Microsoft.Compute/virtualMachines/read');
    if (denied) return denied;
    if (!vm) return notFound('Microsoft.Compute/virtualMachines', name, resourceGroup);
    if (eq(action, 'instanceView')) return json(200, vmInstanceView(vm));
    return action ? undefined : json(200, vmResource(vm, state, a.query.get('$expand') === 'instanceView'));
  }
  if (a.method !== 'POST' || !action) return undefined;
  const verb = action.toLowerCase();
  const transitions: Record<string, [VirtualMachine['powerState'], VirtualMachine['powerState']]> = {
    deallocate: ['deallocating', 'deallocated'], start: ['starting', 'running'], poweroff: ['stopped', 'stopped'], restart: ['starting', 'running'],
  };
  const transition = transitions[verb];
  if (!transition) return undefined;
  const denied = requireAction(a, id, `Microsoft.Compute/virtualMachines/${verb === 'poweroff' ? 'powerOff' : verb}/action`);
  if (denied) return denied;
  if (!vm) return notFound('Microsoft.Compute/virtualMachines', name, resourceGroup);
  const before = vm.powerState;
  vm.powerState = transition[0];
  // A VM whose disks cannot reach their key fails to start, as in Azure.
  const blocked = verb === 'start' || verb === 'restart' ? vmKeyFailure(a.ctx, vm) : undefined;
  const headers = startOperation(a, vm.subscriptionId, vm.location, verb, vm.id, ({ error }) => {
    vm.powerState = error ? before : transition[1];
  }, { outcomeError: blocked && { code: blocked.code, message: blocked.message } });
  return { status: 202, headers };
}

function vmKeyFailure(ctx: SimContext, vm: VirtualMachine): Failure | undefined {
  for (const d of ctx.state.disks.values().filter((disk) => eq(disk.managedBy, vm.id) && disk.diskEncryptionSetId)) {
    const des = ctx.state.diskEncryptionSets.get(d.diskEncryptionSetId ?? '');
    if (!des) continue;
    const failure = validateDesKey(ctx, des);
    if (failure) return { code: failure.code, message: `VM '${vm.name}' cannot start: disk '${d.name}' cannot access its key. ${failure.message}` };
  }
  return undefined;
}
