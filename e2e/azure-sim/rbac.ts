/** Azure RBAC: the built-in role definitions this product meets and the permission check ARM and Key Vault apply. */
import { BUILTIN_ROLES } from './seed';
import type { CustomRoleDefinition, SimState } from './state';

export interface RoleDefinition {
  id: string; roleName: string; description: string;
  actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[];
}

const KEY_VAULT_READ_ACTIONS = ['Microsoft.Authorization/*/read', 'Microsoft.Insights/alertRules/*', 'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read', 'Microsoft.Support/*', 'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read', 'Microsoft.KeyVault/locations/*/read', 'Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/operations/read'];

const role = (id: string, roleName: string, description: string, p: Partial<Omit<RoleDefinition, 'id' | 'roleName' | 'description'>>): RoleDefinition =>
  ({ id, roleName, description, actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] });

export const ROLE_DEFINITIONS: RoleDefinition[] = [
  role(BUILTIN_ROLES.owner, 'Owner', 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', { actions: ['*'] }),
  role(BUILTIN_ROLES.contributor, 'Contributor', 'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.', {
    actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write', 'Microsoft.Blueprint/blueprintAssignments/delete', 'Microsoft.Compute/galleries/share/action'] }),
  role(BUILTIN_ROLES.userAccessAdministrator, 'User Access Administrator', 'Lets you manage user access to Azure resources.', {
    actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'] }),
  role(BUILTIN_ROLES.reader, 'Reader', 'View all resources, but does not allow you to make any changes.', { actions: ['*/read'] }),
  role(BUILTIN_ROLES.keyVaultAdministrator, 'Key Vault Administrator', "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.", {
    actions: KEY_VAULT_READ_ACTIONS, dataActions: ['Microsoft.KeyVault/vaults/*'] }),
  role(BUILTIN_ROLES.keyVaultCryptoOfficer, 'Key Vault Crypto Officer', "Perform any action on the keys of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.", {
    actions: KEY_VAULT_READ_ACTIONS, dataActions: ['Microsoft.KeyVault/vaults/keys/*', 'Microsoft.KeyVault/vaults/keyrotationpolicies/*'] }),
  role(BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser, 'Key Vault Crypto Service Encryption User', "Read metadata of keys and perform wrap/unwrap operations. Only works for key vaults that use the 'Azure role-based access control' permission model.", {
    actions: ['Microsoft.EventGrid/eventSubscriptions/write', 'Microsoft.EventGrid/eventSubscriptions/read', 'Microsoft.EventGrid/eventSubscriptions/delete'],
    dataActions: ['Microsoft.KeyVault/vaults/keys/read', 'Microsoft.KeyVault/vaults/keys/wrap/action', 'Microsoft.KeyVault/vaults/keys/unwrap/action'] }),
  role(BUILTIN_ROLES.keyVaultCryptoUser, 'Key Vault Crypto User', "Perform cryptographic operations using keys. Only works for key vaults that use the 'Azure role-based access control' permission model.", {
    dataActions: ['Microsoft.KeyVault/vaults/keys/read', 'Microsoft.KeyVault/vaults/keys/update/action', 'Microsoft.KeyVault/vaults/keys/backup/action',
      'Microsoft.KeyVault/vaults/keys/encrypt/action', 'Microsoft.KeyVault/vaults/keys/decrypt/action', 'Microsoft.KeyVault/vaults/keys/wrap/action',
      'Microsoft.KeyVault/vaults/keys/unwrap/action', 'Microsoft.KeyVault/vaults/keys/sign/action', 'Microsoft.KeyVault/vaults/keys/verify/action'] }),
  role(BUILTIN_ROLES.managedIdentityOperator, 'Managed Identity Operator', 'Read and Assign User Assigned Identity', {
    actions: ['Microsoft.ManagedIdentity/userAssignedIdentities/*/read', 'Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action',
      'Microsoft.Authorization/*/read', 'Microsoft.Insights/alertRules/*', 'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Resources/deployments/*', 'Microsoft.Support/*'] }),
  role(BUILTIN_ROLES.keyVaultContributor, 'Key Vault Contributor', 'Manage key vaults, but does not allow you to assign roles in Azure RBAC, and does not allow you to access secrets, keys, or certificates.', {
    actions: ['Microsoft.Authorization/*/read', 'Microsoft.Insights/alertRules/*', 'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read', 'Microsoft.Support/*', 'Microsoft.KeyVault/*'],
    notActions: ['Microsoft.KeyVault/locations/deletedVaults/purge/action', 'Microsoft.KeyVault/hsmPools/*', 'Microsoft.KeyVault/managedHsms/*'] }),
];

/** A built-in role, or (given the state) a custom role created through ARM. */
export function roleDefinition(idOrGuid: string, state?: SimState): RoleDefinition | CustomRoleDefinition | undefined {
  const guid = idOrGuid.split('/').pop()?.toLowerCase() ?? '';
  return ROLE_DEFINITIONS.find((r) => r.id === guid) ?? state?.customRoleDefinitions.get(guid);
}

const patternCache = new Map<string, RegExp>();
function matches(pattern: string, action: string): boolean {
  let regex = patternCache.get(pattern);
  if (!regex) {
    // A `/*/` segment also matches no segment: Managed Identity Operator's `userAssignedIdentities/*/assign/action`
    // is what grants `userAssignedIdentities/assign/action`.
    const source = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*').replace(/\\\/\.\*\\\//g, '(?:\\/|\\/.*\\/)');
    regex = new RegExp(`^${source}$`, 'i');
    patternCache.set(pattern, regex);
  }
  return regex.test(action);
}

export function scopeCovers(scope: string, resourceId: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, '');
  const r = resourceId.toLowerCase();
  return s === '' || r === s || r.startsWith(`${s}/`);
}

export interface PermissionQuery {
  principalId: string;
  resourceId: string;
  action: string;
  /** Data actions (Key Vault keys) vs control-plane actions. */
  data: boolean;
}

/** True when an assignment at or above the resource grants the action (data-plane checks honour propagation delay). */
export function isAllowed(state: SimState, q: PermissionQuery): boolean {
  const now = Date.now();
  return state.roleAssignments.values().some((ra) => {
    if (ra.principalId !== q.principalId || !scopeCovers(ra.scope, q.resourceId)) return false;
    if (q.data && ra.effectiveAt > now) return false;
    const def = roleDefinition(ra.roleDefinitionId, state);
    if (!def) return false;
    const [allow, deny] = q.data ? [def.dataActions, def.notDataActions] : [def.actions, def.notActions];
    return allow.some((p) => matches(p, q.action)) && !deny.some((p) => matches(p, q.action));
  });
}

/** The ARM JSON of a role definition, optionally under a scope (ARM echoes the scope in the id). */
export function roleDefinitionResource(def: RoleDefinition, scope = ''): Record<string, unknown> {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${def.id}`,
    type: 'Microsoft.Authorization/roleDefinitions',
    name: def.id,
    properties: {
      roleName: def.roleName, type: 'BuiltInRole', description: def.description, assignableScopes: ['/'],
      permissions: [{ actions: def.actions, notActions: def.notActions, dataActions: def.dataActions, notDataActions: def.notDataActions }],
      createdOn: '2015-02-02T21:55:09.8806423Z', updatedOn: '2024-01-01T00:00:00.0000000Z', createdBy: null, updatedBy: null,
    },
  };
}
