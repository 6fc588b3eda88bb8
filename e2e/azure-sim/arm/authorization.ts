/** Microsoft.Authorization: built-in role definitions and role assignments with RBAC enforcement. */
import { json, type SimResponse } from '../http';
import { ROLE_DEFINITIONS, roleDefinition, roleDefinitionResource, scopeCovers } from '../rbac';
import type { RoleAssignment } from '../state';
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

function roleDefinitions(a: ArmRequest, scope: string, name?: string): SimResponse | undefined {
  if (a.method !== 'GET') return armError(405, 'MethodNotAllowed', 'Custom role definitions are not supported by the simulator.');
  if (name) {
    const def = roleDefinition(name);
    return def ? json(200, roleDefinitionResource(def, scope)) : armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${name}' does not exist.`);
  }
  const byName = /roleName eq '([^']+)'/i.exec(a.query.get('$filter') ?? '')?.[1];
  const defs = ROLE_DEFINITIONS.filter((d) => !byName || d.roleName.toLowerCase() === byName.toLowerCase());
  return json(200, { value: defs.map((d) => roleDefinitionResource(d, scope)) });
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
  const def = roleDefinition(props.roleDefinitionId);
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
