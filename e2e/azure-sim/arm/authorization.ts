/** Microsoft.Authorization: built-in role definitions and role assignments with RBAC enforcement. */
import { json, type SimResponse } from '../http';
import { ROLE_DEFINITIONS, roleDefinition, roleDefinitionResource, scopeCovers } from '../rbac';
import type { CustomRoleDefinition, RoleAssignment } from '../state';
import { armError, body, eq, requireAction, type ArmRequest } from './arm';

/** Splits `{scope}/providers/Microsoft.Authorization/{kind}[/{name}]`; the scope may be empty (tenant level). */
function split(segments: string[]): { scope: string; kind: string; name?: string } | undefined {
  for (let i = segments.length - 2; i >= 0; i--) {
    if (eq(segments[i], 'providers') && eq(segments[i + 1], 'Microsoft.Authorization')) {
      const [kind, name, ...extra] = segments.slice(i + 2);
      if (!kind || extra.length > 0) return undefined;
      const scope = segments.slice(0, i).length ? `/${segments.slice(0, i).join('/')}` : '';
      return { scope, kind: kind.toLowerCase(), name };
    }
  }
  return undefined;
}

export function roleAssignmentResource(ra: RoleAssignment): Record<string, unknown> {
  return {
    id: ra.id, type: 'Microsoft.Authorization/roleAssignments', name: ra.name,
    properties: {
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${ra.roleDefinitionId}`, principalId: ra.principalId,
      principalType: ra.principalType, scope: ra.scope, condition: null, conditionVersion: null, createdOn: ra.createdOn, updatedOn: ra.createdOn,
      createdBy: ra.createdBy ?? null, updatedBy: ra.createdBy ?? null, delegatedManagedIdentityResourceId: null, description: ra.description ?? null,
    },
  };
}

/** The tenant that owns a scope (the subscription's), or undefined for a scope outside any known subscription. */
function scopeTenant(a: ArmRequest, scope: string): string | undefined {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
  return sub ? a.ctx.state.subscriptions.get(sub.toLowerCase())?.tenantId : undefined;
}

export function handleAuthorization(a: ArmRequest): SimResponse | undefined {
  const target = split(a.segments);
  if (!target) return undefined;
  if (target.kind === 'roledefinitions') return roleDefinitions(a, target.scope, target.name);
  if (target.kind === 'roleassignments') return roleAssignments(a, target.scope, target.name);
  return undefined;
}

function customRoleResource(def: CustomRoleDefinition, scope = ''): Record<string, unknown> {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${def.id}`, type: 'Microsoft.Authorization/roleDefinitions', name: def.id,
    properties: {
      roleName: def.roleName, type: 'CustomRole', description: def.description, assignableScopes: def.assignableScopes,
      permissions: [{ actions: def.actions, notActions: def.notActions, dataActions: def.dataActions, notDataActions: def.notDataActions }],
      createdOn: def.createdOn, updatedOn: def.updatedOn, createdBy: null, updatedBy: null,
    },
  };
}

/** Custom roles of the caller's tenant that can be assigned at or below `scope`, or above it. */
function customRolesFor(a: ArmRequest, scope: string): CustomRoleDefinition[] {
  return [...a.ctx.state.customRoleDefinitions.values()].filter((d) => d.tenantId === a.claims.tid
    && d.assignableScopes.some((s) => scopeCovers(s, scope || '/') || scopeCovers(scope, s)));
}

function roleDefinitions(a: ArmRequest, scope: string, name?: string): SimResponse | undefined {
  const state = a.ctx.state;
  if (a.method === 'PUT' && name) return putCustomRole(a, scope, name);
  if (a.method !== 'GET') return armError(405, 'MethodNotAllowed', `${a.method} on role definitions is not supported by the simulator.`);
  if (name) {
    const builtIn = roleDefinition(name);
    if (builtIn) return json(200, roleDefinitionResource(builtIn, scope));
    const custom = state.customRoleDefinitions.get(name.toLowerCase());
    return custom && custom.tenantId === a.claims.tid ? json(200, customRoleResource(custom, scope))
      : armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${name}' does not exist.`);
  }
  const filter = a.query.get('$filter') ?? '';
  const byName = /roleName eq '([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
  const byType = /type eq '([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
  const builtIns = byType === 'customrole' ? [] : ROLE_DEFINITIONS.filter((d) => !byName || d.roleName.toLowerCase() === byName).map((d) => roleDefinitionResource(d, scope));
  const customs = byType === 'builtinrole' ? [] : customRolesFor(a, scope).filter((d) => !byName || d.roleName.toLowerCase() === byName).map((d) => customRoleResource(d, scope));
  return json(200, { value: [...builtIns, ...customs] });
}

/** PUT a custom role: the caller needs roleDefinitions/write on every assignable scope; role names are unique per tenant. */
function putCustomRole(a: ArmRequest, scope: string, name: string): SimResponse {
  const state = a.ctx.state;
  const guid = name.toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(guid)) {
    return armError(400, 'InvalidRoleDefinitionId', `The role definition ID '${name}' is not valid. The role definition ID must be a GUID.`);
  }
  if (roleDefinition(guid)) return armError(403, 'AuthorizationFailed', `Built-in role definition '${guid}' cannot be changed.`);
  const props = body<{ properties?: { roleName?: string; description?: string; type?: string; assignableScopes?: string[];
    permissions?: { actions?: string[]; notActions?: string[]; dataActions?: string[]; notDataActions?: string[] }[] } }>(a)?.properties;
  if (!props?.roleName) return armError(400, 'RoleDefinitionNameNullOrEmpty', 'The role definition name cannot be null or empty.');
  const assignableScopes = props.assignableScopes ?? [];
  if (assignableScopes.length === 0) return armError(400, 'InvalidAssignableScopes', 'The role definition must have at least one assignable scope.');
  for (const s of [scope || '/', ...assignableScopes]) {
    const denied = requireAction(a, s, 'Microsoft.Authorization/roleDefinitions/write');
    if (denied) return denied;
  }
  const sameName = [...state.customRoleDefinitions.values()].find((d) => d.tenantId === a.claims.tid && d.id !== guid
    && d.roleName.toLowerCase() === props.roleName?.toLowerCase());
  if (sameName) return armError(409, 'RoleDefinitionWithSameNameExists', `A custom role with the same name already exists in this directory. Use a different name.`);
  const existing = state.customRoleDefinitions.get(guid);
  const now = new Date().toISOString();
  const permissions = props.permissions?.[0] ?? {};
  const def: CustomRoleDefinition = {
    id: guid, roleName: props.roleName, description: props.description ?? '', tenantId: a.claims.tid, assignableScopes,
    actions: permissions.actions ?? [], notActions: permissions.notActions ?? [], dataActions: permissions.dataActions ?? [],
    notDataActions: permissions.notDataActions ?? [], createdOn: existing?.createdOn ?? now, updatedOn: now,
  };
  state.customRoleDefinitions.set(guid, def);
  return json(existing ? 200 : 201, customRoleResource(def, scope));
}

function roleAssignments(a: ArmRequest, scope: string, name?: string): SimResponse | undefined {
  const state = a.ctx.state;
  const tenant = scopeTenant(a, scope);
  if (scope && tenant && tenant !== a.claims.tid) {
    return armError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer '${a.claims.iss}'. It must match the tenant associated with scope '${scope}'.`);
  }
  if (!name) {
    if (a.method !== 'GET') return undefined;
    const denied = requireAction(a, scope || '/', 'Microsoft.Authorization/roleAssignments/read');
    if (denied) return denied;
    const filter = a.query.get('$filter') ?? '';
    const principal = /principalId eq '([^']+)'/i.exec(filter)?.[1];
    const atScope = /atScope\(\)/i.test(filter);
    const value = state.roleAssignments.values().filter((ra) => {
      const related = scopeCovers(ra.scope, scope) || (!atScope && scopeCovers(scope, ra.scope));
      return related && (!principal || ra.principalId === principal);
    });
    return json(200, { value: value.map(roleAssignmentResource) });
  }
  const id = `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
  const existing = state.roleAssignments.get(id);
  if (a.method === 'GET') {
    return requireAction(a, scope, 'Microsoft.Authorization/roleAssignments/read')
      ?? (existing ? json(200, roleAssignmentResource(existing)) : armError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`));
  }
  if (a.method === 'DELETE') {
    const denied = requireAction(a, scope, 'Microsoft.Authorization/roleAssignments/delete');
    if (denied) return denied;
    if (!existing) return { status: 204 };
    state.roleAssignments.delete(id);
    return json(200, roleAssignmentResource(existing));
  }
  if (a.method !== 'PUT') return undefined;
  const denied = requireAction(a, scope, 'Microsoft.Authorization/roleAssignments/write');
  if (denied) return denied;
  const props = body<{ properties?: { roleDefinitionId?: string; principalId?: string; principalType?: string; description?: string } }>(a)?.properties;
  if (!props?.roleDefinitionId || !props.principalId) {
    return armError(400, 'InvalidRoleAssignmentRequest', 'The request must contain properties.roleDefinitionId and properties.principalId.');
  }
  const def = roleDefinition(props.roleDefinitionId, state);
  if (!def) return armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${props.roleDefinitionId.split('/').pop()}' does not exist.`);
  const principal = state.principal(props.principalId);
  if (!principal || (tenant && principal.tenantId !== tenant)) {
    return armError(400, 'PrincipalNotFound', `Principal ${props.principalId.replace(/-/g, '')} does not exist in the directory ${tenant ?? a.claims.tid}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`);
  }
  if (existing) {
    if (existing.principalId !== props.principalId || existing.roleDefinitionId !== def.id) {
      return armError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
    }
    return json(200, roleAssignmentResource(existing));
  }
  const duplicate = state.roleAssignments.values().find((ra) => eq(ra.scope, scope) && ra.principalId === props.principalId && ra.roleDefinitionId === def.id);
  if (duplicate) return armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  const now = new Date().toISOString();
  const created = state.roleAssignments.set({
    id, name, scope, roleDefinitionId: def.id, principalId: props.principalId, principalType: props.principalType ?? principal.type,
    description: props.description, createdOn: now, createdBy: a.claims.oid, effectiveAt: Date.now() + a.ctx.settings.propagationDelayMs,
  });
  return json(201, roleAssignmentResource(created));
}
