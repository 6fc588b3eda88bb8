/** Microsoft.ManagedIdentity: user-assigned identities and their federated identity credentials. */
import { randomUUID } from 'node:crypto';
import { json, type SimResponse } from '../http';
import type { UserAssignedIdentity } from '../state';
import { armError, body, eq, notFound, parseResourcePath, requireAction, resourceGroupNotFound, rgId, type ArmRequest } from './arm';
import { regionName } from './resources';

/** Azure allows at most 20 federated identity credentials per identity (and per app registration). */
export const MAX_FEDERATED_CREDENTIALS = 20;

const TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';

function identityResource(i: UserAssignedIdentity): Record<string, unknown> {
  return { id: i.id, name: i.name, type: TYPE, location: i.location, tags: i.tags,
    properties: { tenantId: i.tenantId, principalId: i.principalId, clientId: i.clientId, isolationScope: 'None' } };
}

function ficResource(identity: UserAssignedIdentity, name: string): Record<string, unknown> {
  const fic = identity.federatedIdentityCredentials.get(name.toLowerCase());
  return { id: `${identity.id}/federatedIdentityCredentials/${fic?.name ?? name}`, name: fic?.name ?? name, type: `${TYPE}/federatedIdentityCredentials`,
    properties: { issuer: fic?.issuer, subject: fic?.subject, audiences: fic?.audiences } };
}

export function handleManagedIdentity(a: ArmRequest): SimResponse | undefined {
  const path = parseResourcePath(a.segments);
  if (!path || !eq(path.provider, 'Microsoft.ManagedIdentity') || !eq(path.rest[0], 'userAssignedIdentities')) return undefined;
  const state = a.ctx.state;
  if (path.rest.length === 1) {
    const scope = path.resourceGroup ? rgId(path.subscriptionId, path.resourceGroup) : `/subscriptions/${path.subscriptionId}`;
    return requireAction(a, scope, `${TYPE}/read`) ?? json(200, { value: state.identities.under(scope).map(identityResource) });
  }
  const name = path.rest[1];
  const resourceGroup = path.resourceGroup;
  if (!resourceGroup || !name) return undefined;
  const id = `${rgId(path.subscriptionId, resourceGroup)}/providers/${TYPE}/${name}`;
  const identity = state.identities.get(id);
  if (path.rest.length === 2) {
    if (a.method === 'GET') return requireAction(a, id, `${TYPE}/read`) ?? (identity ? json(200, identityResource(identity)) : notFound(TYPE, name, resourceGroup));
    if (a.method === 'DELETE') {
      const denied = requireAction(a, id, `${TYPE}/delete`);
      if (denied) return denied;
      if (!identity) return { status: 204 };
      state.identities.delete(id);
      return { status: 200 };
    }
    if (a.method === 'PUT' || a.method === 'PATCH') {
      const denied = requireAction(a, id, `${TYPE}/write`);
      if (denied) return denied;
      if (!state.resourceGroups.get(rgId(path.subscriptionId, resourceGroup))) return resourceGroupNotFound(resourceGroup);
      const input = body<{ location?: string; tags?: Record<string, string> }>(a) ?? {};
      if (!identity && !input.location) return armError(400, 'LocationRequired', 'The location property is required for this definition.');
      const next = identity ?? state.identities.set({ id, subscriptionId: path.subscriptionId, resourceGroup: resourceGroup, name,
        location: regionName(input.location ?? ''), tenantId: state.subscriptionTenant(path.subscriptionId), clientId: randomUUID(),
        principalId: randomUUID(), tags: {}, federatedIdentityCredentials: new Map() });
      if (input.tags) next.tags = input.tags;
      return json(identity ? 200 : 201, identityResource(next));
    }
    return undefined;
  }
  if (!identity) return notFound(TYPE, name, resourceGroup);
  if (!eq(path.rest[2], 'federatedIdentityCredentials')) return undefined;
  const ficName = path.rest[3];
  if (!ficName) {
    return requireAction(a, id, `${TYPE}/federatedIdentityCredentials/read`)
      ?? json(200, { value: [...identity.federatedIdentityCredentials.keys()].map((n) => ficResource(identity, n)) });
  }
  const existing = identity.federatedIdentityCredentials.get(ficName.toLowerCase());
  if (a.method === 'GET') {
    return requireAction(a, id, `${TYPE}/federatedIdentityCredentials/read`)
      ?? (existing ? json(200, ficResource(identity, ficName)) : notFound(`${TYPE}/federatedIdentityCredentials`, ficName, resourceGroup));
  }
  if (a.method === 'DELETE') {
    const denied = requireAction(a, id, `${TYPE}/federatedIdentityCredentials/delete`);
    if (denied) return denied;
    return identity.federatedIdentityCredentials.delete(ficName.toLowerCase()) ? { status: 200 } : { status: 204 };
  }
  if (a.method !== 'PUT') return undefined;
  const denied = requireAction(a, id, `${TYPE}/federatedIdentityCredentials/write`);
  if (denied) return denied;
  const props = body<{ properties?: { issuer?: string; subject?: string; audiences?: string[] } }>(a)?.properties;
  if (!props?.issuer || !props.subject || !props.audiences?.length) {
    return armError(400, 'BadRequest', 'The properties issuer, subject and audiences are required.');
  }
  if (!existing && identity.federatedIdentityCredentials.size >= MAX_FEDERATED_CREDENTIALS) {
    return armError(400, 'BadRequest', `Too many Federated Identity Credentials. The maximum allowed number of Federated Identity Credentials per identity is ${MAX_FEDERATED_CREDENTIALS}.`);
  }
  const clash = [...identity.federatedIdentityCredentials.values()].find((f) => f.name.toLowerCase() !== ficName.toLowerCase() && f.issuer === props.issuer && f.subject === props.subject);
  if (clash) return armError(409, 'Conflict', `A Federated Identity Credential with the same issuer and subject already exists: '${clash.name}'.`);
  identity.federatedIdentityCredentials.set(ficName.toLowerCase(), { name: ficName, issuer: props.issuer, subject: props.subject, audiences: props.audiences });
  return json(existing ? 200 : 201, ficResource(identity, ficName));
}
