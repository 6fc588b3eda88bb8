/**
 * Who may do what with a key: the vault's permission model (Azure RBAC data actions or access
 * policies) and its network rules. Used by the Key Vault data plane and by the disk encryption
 * set checks (which act as a trusted first-party service).
 */
import { checkHsmKeyAccess } from './hsm';
import { isAllowed } from './rbac';
import type { ManagedHsm, SimState, Vault } from './state';

export type KeyOperation = 'get' | 'list' | 'create' | 'update' | 'delete' | 'rotate' | 'getrotationpolicy' | 'setrotationpolicy'
  | 'wrapKey' | 'unwrapKey' | 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'recover' | 'purge';

const DATA_ACTIONS: Record<KeyOperation, string> = {
  get: 'Microsoft.KeyVault/vaults/keys/read', list: 'Microsoft.KeyVault/vaults/keys/read',
  create: 'Microsoft.KeyVault/vaults/keys/create/action', update: 'Microsoft.KeyVault/vaults/keys/update/action',
  delete: 'Microsoft.KeyVault/vaults/keys/delete', rotate: 'Microsoft.KeyVault/vaults/keys/rotate/action',
  getrotationpolicy: 'Microsoft.KeyVault/vaults/keyrotationpolicies/read', setrotationpolicy: 'Microsoft.KeyVault/vaults/keyrotationpolicies/write',
  wrapKey: 'Microsoft.KeyVault/vaults/keys/wrap/action', unwrapKey: 'Microsoft.KeyVault/vaults/keys/unwrap/action',
  encrypt: 'Microsoft.KeyVault/vaults/keys/encrypt/action', decrypt: 'Microsoft.KeyVault/vaults/keys/decrypt/action',
  sign: 'Microsoft.KeyVault/vaults/keys/sign/action', verify: 'Microsoft.KeyVault/vaults/keys/verify/action',
  recover: 'Microsoft.KeyVault/vaults/deletedKeys/recover/action', purge: 'Microsoft.KeyVault/vaults/deletedKeys/delete',
};

export interface Caller { oid: string; tid: string; appid?: string; iss: string }

export interface AccessDenied { status: 403; code: string; message: string; innerCode: string }


/** Network rules first (as Key Vault evaluates them), then the permission model. */
export function checkKeyAccess(state: SimState, vault: Vault, keyName: string | undefined, caller: Caller,
  operation: KeyOperation, options: { trustedService?: boolean } = {}): AccessDenied | undefined {
  // A Managed HSM pool has its own local RBAC, and no Azure RBAC or access policies on its keys.
  if (vault.kind === 'managedHsm') return checkHsmKeyAccess(vault as ManagedHsm, keyName, caller, operation);
  const callerText = `appid=${caller.appid ?? ''};oid=${caller.oid};iss=${caller.iss}`;
  if (vault.publicNetworkAccess === 'Disabled') {
    return { status: 403, code: 'Forbidden', innerCode: 'ForbiddenByFirewall',
      message: `Public network access is disabled and request is not from a trusted service nor via an approved private link.\r\nCaller: ${callerText}\r\nVault: ${vault.name};location=${vault.location}\r\n` };
  }
  if (vault.networkDefaultAction === 'Deny' && !(options.trustedService && vault.networkBypass.includes('AzureServices'))) {
    return { status: 403, code: 'Forbidden', innerCode: 'ForbiddenByFirewall',
      message: `Client address is not authorized and caller is not a trusted service.\r\nClient address: 127.0.0.1\r\nCaller: ${callerText}\r\nVault: ${vault.name};location=${vault.location}\r\n` };
  }
  if (caller.tid !== vault.tenantId) {
    return { status: 403, code: 'Forbidden', innerCode: 'AccessDenied',
      message: `Access denied. The token tenant '${caller.tid}' does not match the vault tenant '${vault.tenantId}'.` };
  }
  if (vault.enableRbacAuthorization) {
    const resourceId = keyName ? `${vault.id}/keys/${keyName}` : vault.id;
    const action = DATA_ACTIONS[operation];
    if (isAllowed(state, { principalId: caller.oid, resourceId, action, data: true })) return undefined;
    return { status: 403, code: 'Forbidden', innerCode: 'ForbiddenByRbac',
      message: `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${callerText}\r\nAction: '${action}'\r\nResource: '${resourceId.toLowerCase()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${vault.name};location=${vault.location}\r\n` };
  }
  const policy = vault.accessPolicies.find((p) => p.objectId === caller.oid && p.tenantId === caller.tid);
  if (!policy) {
    return { status: 403, code: 'Forbidden', innerCode: 'AccessDenied',
      message: `Access denied. Caller was not found on any access policy.\r\nCaller: ${callerText}\r\nVault: ${vault.name};location=${vault.location}\r\n` };
  }
  if (!policy.permissions.keys.some((p) => p.toLowerCase() === operation.toLowerCase() || p.toLowerCase() === 'all')) {
    return { status: 403, code: 'Forbidden', innerCode: 'AccessDenied',
      message: `The user, group or application '${callerText}' does not have keys ${operation} permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287` };
  }
  return undefined;
}
