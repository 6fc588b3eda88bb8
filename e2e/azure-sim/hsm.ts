/**
 * Managed HSM local RBAC: the pool's own role definitions and assignments, kept on its data plane
 * (`{hsm}/{scope}/providers/Microsoft.Authorization/role{Definitions,Assignments}`), not in ARM. Scopes are `/`,
 * `/keys` and `/keys/{name}`. Sources: learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles (ids and data
 * actions), azure-rest-api-specs keyvault data-plane 7.5 examples (PutRoleAssignments, ListRoleDefinitions).
 */
import { json, jsonBody, serviceError, type SimRequest, type SimResponse } from './http';
import { HSM_ROLES } from './seed';
import type { HsmRoleAssignment, ManagedHsm } from './state';
import type { AccessDenied, Caller, KeyOperation } from './vault-access';

const P = 'Microsoft.KeyVault/managedHsm';

interface HsmRoleDefinition { id: string; roleName: string; description: string; dataActions: string[] }

const KEY_READ = `${P}/keys/read/action`;
const ROLE_READ = [`${P}/roleAssignments/read/action`, `${P}/roleDefinitions/read/action`];
const ROLE_WRITE = [`${P}/roleAssignments/write/action`, `${P}/roleAssignments/delete/action`, `${P}/roleDefinitions/write/action`, `${P}/roleDefinitions/delete/action`];

/** The built-in roles with the data actions the docs' "Permitted operations" table gives them. */
export const HSM_ROLE_DEFINITIONS: HsmRoleDefinition[] = [
  { id: HSM_ROLES.administrator, roleName: 'Managed HSM Administrator', description: 'Grants permissions to perform all operations related to the security domain, full backup and restore, and role management. Not permitted to perform any key management operations.',
    dataActions: [`${P}/securitydomain/download/action`, `${P}/securitydomain/upload/action`, `${P}/securitydomain/upload/read`, `${P}/securitydomain/transferkey/read`,
      ...ROLE_READ, ...ROLE_WRITE, `${P}/backup/start/action`, `${P}/backup/status/action`, `${P}/restore/start/action`, `${P}/restore/status/action`] },
  { id: HSM_ROLES.cryptoOfficer, roleName: 'Managed HSM Crypto Officer', description: 'Grants permissions to perform all role management, purge or recover deleted keys, and export keys. Not permitted to perform any other key management operations.',
    dataActions: [`${P}/keys/deletedKeys/read/action`, `${P}/keys/deletedKeys/recover/action`, `${P}/keys/deletedKeys/delete`, ...ROLE_READ, ...ROLE_WRITE] },
  { id: HSM_ROLES.cryptoUser, roleName: 'Managed HSM Crypto User', description: 'Grants permissions to perform all key management operations except purge or recover deleted keys and export keys.',
    dataActions: [KEY_READ, `${P}/keys/write/action`, `${P}/keys/rotate/action`, `${P}/keys/create`, `${P}/keys/delete`, `${P}/keys/backup/action`, `${P}/keys/restore/action`,
      `${P}/keys/release/action`, `${P}/keys/import/action`, `${P}/keys/encrypt/action`, `${P}/keys/decrypt/action`, `${P}/keys/wrap/action`, `${P}/keys/unwrap/action`,
      `${P}/keys/sign/action`, `${P}/keys/verify/action`, ...ROLE_READ] },
  { id: HSM_ROLES.policyAdministrator, roleName: 'Managed HSM Policy Administrator', description: 'Grants permissions to create and delete role assignments.', dataActions: [...ROLE_READ, ...ROLE_WRITE] },
  { id: HSM_ROLES.cryptoAuditor, roleName: 'Managed HSM Crypto Auditor', description: 'Grants read permissions to read (but not use) key attributes.',
    dataActions: [KEY_READ, `${P}/keys/deletedKeys/delete`, ...ROLE_READ] },
  { id: HSM_ROLES.cryptoServiceEncryptionUser, roleName: 'Managed HSM Crypto Service Encryption User', description: 'Grants permissions to use a key for service encryption.',
    dataActions: [KEY_READ, `${P}/keys/wrap/action`, `${P}/keys/unwrap/action`] },
  { id: HSM_ROLES.cryptoServiceReleaseUser, roleName: 'Managed HSM Crypto Service Release User', description: 'Grants permissions to release a key to a trusted execution environment.',
    dataActions: [`${P}/keys/release/action`] },
  { id: HSM_ROLES.backup, roleName: 'Managed HSM Backup', description: 'Grants permissions to perform single-key or whole-HSM backup.',
    dataActions: [`${P}/keys/backup/action`, `${P}/backup/start/action`, `${P}/backup/status/action`] },
  { id: HSM_ROLES.restore, roleName: 'Managed HSM Restore', description: 'Grants permissions to perform single-key or whole-HSM restore.',
    dataActions: [`${P}/keys/restore/action`, `${P}/restore/start/action`, `${P}/restore/status/action`] },
];

const DATA_ACTIONS: Record<KeyOperation, string> = {
  get: KEY_READ, list: KEY_READ, create: `${P}/keys/create`, update: `${P}/keys/write/action`, delete: `${P}/keys/delete`,
  rotate: `${P}/keys/rotate/action`, getrotationpolicy: KEY_READ, setrotationpolicy: `${P}/keys/write/action`,
  wrapKey: `${P}/keys/wrap/action`, unwrapKey: `${P}/keys/unwrap/action`, encrypt: `${P}/keys/encrypt/action`, decrypt: `${P}/keys/decrypt/action`,
  sign: `${P}/keys/sign/action`, verify: `${P}/keys/verify/action`, recover: `${P}/keys/deletedKeys/recover/action`, purge: `${P}/keys/deletedKeys/delete`,
};

const ROLE_DEFINITION_PREFIX = 'Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/';

/** `/`, `/keys` or `/keys/{name}`; anything else is not a scope of a pool. */
function normaliseScope(scope: string): string | undefined {
  const s = `/${scope.replace(/^\/+|\/+$/g, '')}`;
  if (s === '/' || s.toLowerCase() === '/keys') return s.toLowerCase();
  const key = /^\/keys\/([a-zA-Z0-9-]{1,127})$/.exec(s);
  return key ? `/keys/${key[1]}` : undefined;
}

function covers(assignmentScope: string, target: string): boolean {
  const a = assignmentScope.toLowerCase();
  const t = target.toLowerCase();
  return a === '/' || t === a || t.startsWith(`${a}/`);
}

/** Whether the principal holds a data action at the target scope (assignments honour the propagation delay). */
export function hsmAllows(hsm: ManagedHsm, principalId: string, target: string, action: string): boolean {
  const now = Date.now();
  return [...hsm.roleAssignments.values()].some((ra) => {
    if (ra.principalId !== principalId || ra.effectiveAt > now || !covers(ra.scope, target)) return false;
    const def = HSM_ROLE_DEFINITIONS.find((d) => d.id === ra.roleDefinitionId.split('/').pop()?.toLowerCase());
    return def?.dataActions.some((a) => a.toLowerCase() === action.toLowerCase()) ?? false;
  });
}

/** The pool's access check for key operations: activation, tenant, then local RBAC at `/keys/{name}`. */
export function checkHsmKeyAccess(hsm: ManagedHsm, keyName: string | undefined, caller: Caller, operation: KeyOperation): AccessDenied | undefined {
  const callerText = `appid=${caller.appid ?? ''};oid=${caller.oid};iss=${caller.iss}`;
  if (!hsm.activated) {
    return { status: 403, code: 'Forbidden', innerCode: 'HsmNotActivated',
      message: `The managed HSM '${hsm.name}' is not activated: download its security domain to activate it before using keys.` };
  }
  if (caller.tid !== hsm.tenantId) {
    return { status: 403, code: 'Forbidden', innerCode: 'AccessDenied',
      message: `Access denied. The token tenant '${caller.tid}' does not match the managed HSM tenant '${hsm.tenantId}'.` };
  }
  const target = keyName ? `/keys/${keyName}` : '/keys';
  const action = DATA_ACTIONS[operation];
  if (hsmAllows(hsm, caller.oid, target, action)) return undefined;
  return { status: 403, code: 'Forbidden', innerCode: 'ForbiddenByRbac',
    message: `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${callerText}\r\nAction: '${action}'\r\nResource: '${target.toLowerCase()}'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC'\r\nVault: ${hsm.name};location=${hsm.location}\r\n` };
}

const hsmError = (status: number, code: string, message: string, innerCode?: string) =>
  serviceError('keyvault', status, code, message, {}, innerCode ? { innererror: { code: innerCode } } : {});

function definitionResource(def: HsmRoleDefinition): Record<string, unknown> {
  return {
    id: `${ROLE_DEFINITION_PREFIX}${def.id}`, name: def.id, type: 'Microsoft.Authorization/roleDefinitions',
    properties: { roleName: def.roleName, description: def.description, type: 'AKVBuiltInRole', assignableScopes: ['/'],
      permissions: [{ actions: [], notActions: [], dataActions: def.dataActions, notDataActions: [] }] },
  };
}

function assignmentResource(ra: HsmRoleAssignment): Record<string, unknown> {
  return {
    id: `${ra.scope === '/' ? '' : ra.scope}/providers/Microsoft.Authorization/roleAssignments/${ra.name}`, name: ra.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: { scope: ra.scope, roleDefinitionId: `${ROLE_DEFINITION_PREFIX}${ra.roleDefinitionId}`, principalId: ra.principalId },
  };
}

/**
 * Role definitions and assignments under `{scope}/providers/Microsoft.Authorization/...`; undefined when the path is
 * not one. Reading needs roleAssignments/read (or roleDefinitions/read), writing roleAssignments/write.
 */
export function handleHsmRbac(hsm: ManagedHsm, req: SimRequest, rest: string, caller: Caller, propagationDelayMs: number): SimResponse | undefined {
  const m = /^(.*?)\/providers\/Microsoft\.Authorization\/(roleDefinitions|roleAssignments)(?:\/([^/]+))?\/?$/i.exec(rest);
  if (!m) return undefined;
  const scope = normaliseScope(m[1] ?? '');
  if (!scope) return hsmError(400, 'BadParameter', `The scope '${m[1] || '/'}' is not valid for a managed HSM: use /, /keys or /keys/{key name}.`);
  const kind = (m[2] ?? '').toLowerCase() === 'roledefinitions' ? 'roleDefinitions' : 'roleAssignments';
  const name = m[3]?.toLowerCase();
  const verb = req.method === 'GET' ? 'read' : req.method === 'PUT' ? 'write' : req.method === 'DELETE' ? 'delete' : undefined;
  if (!verb) return hsmError(405, 'BadParameter', `Method ${req.method} is not allowed on '${rest}'.`);
  if (caller.tid !== hsm.tenantId) return hsmError(403, 'Forbidden', `Access denied. The token tenant '${caller.tid}' does not match the managed HSM tenant '${hsm.tenantId}'.`, 'AccessDenied');
  if (!hsm.activated) return hsmError(403, 'Forbidden', `The managed HSM '${hsm.name}' is not activated: download its security domain to activate it.`, 'HsmNotActivated');
  const action = `${P}/${kind}/${verb}/action`;
  if (!hsmAllows(hsm, caller.oid, scope, action)) {
    return hsmError(403, 'Forbidden', `Caller is not authorized to perform action on resource.\r\nCaller: appid=${caller.appid ?? ''};oid=${caller.oid}\r\nAction: '${action}'\r\nResource: '${scope}'\r\nDecisionReason: 'DeniedWithNoValidRBAC'\r\n`, 'ForbiddenByRbac');
  }
  if (kind === 'roleDefinitions') {
    if (verb !== 'read') return hsmError(400, 'BadParameter', 'The simulator has no custom Managed HSM roles.');
    if (!name) return json(200, { value: HSM_ROLE_DEFINITIONS.map(definitionResource), nextLink: null });
    const def = HSM_ROLE_DEFINITIONS.find((d) => d.id === name);
    return def ? json(200, definitionResource(def)) : hsmError(404, 'RoleDefinitionNotFound', `The role definition '${name}' was not found.`);
  }
  if (!name) {
    if (verb !== 'read') return hsmError(405, 'BadParameter', `Method ${req.method} is not allowed on '${rest}'.`);
    // Assignments effective at the scope: those at it and above it (as `az keyvault role assignment list --scope` shows).
    const value = [...hsm.roleAssignments.values()].filter((ra) => covers(ra.scope, scope)).map(assignmentResource);
    return json(200, { value, nextLink: null });
  }
  const existing = hsm.roleAssignments.get(name);
  if (verb === 'read') return existing ? json(200, assignmentResource(existing)) : hsmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' was not found.`);
  if (verb === 'delete') {
    if (!existing) return hsmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' was not found.`);
    hsm.roleAssignments.delete(name);
    return json(200, assignmentResource(existing));
  }
  const body = jsonBody<{ properties?: { roleDefinitionId?: string; principalId?: string } }>(req);
  const roleId = body?.properties?.roleDefinitionId?.split('/').pop()?.toLowerCase() ?? '';
  const principalId = body?.properties?.principalId ?? '';
  if (!/^[0-9a-f-]{36}$/.test(name)) return hsmError(400, 'BadParameter', `The role assignment name '${name}' must be a GUID.`);
  if (!HSM_ROLE_DEFINITIONS.some((d) => d.id === roleId)) return hsmError(400, 'BadParameter', `The role definition '${body?.properties?.roleDefinitionId ?? ''}' does not exist on this managed HSM.`);
  if (!/^[0-9a-f-]{36}$/i.test(principalId)) return hsmError(400, 'BadParameter', 'properties.principalId must be the object id of a user, group or service principal.');
  if (existing) return hsmError(409, 'Conflict', `The role assignment '${name}' already exists.`, 'RoleAssignmentExists');
  const assignment: HsmRoleAssignment = { name, scope, roleDefinitionId: roleId, principalId, effectiveAt: Date.now() + propagationDelayMs };
  hsm.roleAssignments.set(name, assignment);
  return json(201, assignmentResource(assignment));
}
