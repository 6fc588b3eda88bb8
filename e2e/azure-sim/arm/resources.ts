/** Microsoft.Resources: subscriptions, locations, resource groups and the generic resource list. */
import { json, type SimResponse } from '../http';
import { isAllowed, scopeCovers } from '../rbac';
import type { Subscription } from '../state';
import { armError, body, eq, parseResourcePath, requireAction, resourceGroupNotFound, rgId, type ArmRequest } from './arm';

interface Region { name: string; displayName: string; geography: string; geographyGroup: string; latitude: string; longitude: string; physicalLocation: string; paired: string }

const REGIONS: Region[] = [
  { name: 'westeurope', displayName: 'West Europe', geography: 'Europe', geographyGroup: 'Europe', latitude: '52.3667', longitude: '4.9', physicalLocation: 'Netherlands', paired: 'northeurope' },
  { name: 'northeurope', displayName: 'North Europe', geography: 'Europe', geographyGroup: 'Europe', latitude: '53.3478', longitude: '-6.2597', physicalLocation: 'Ireland', paired: 'westeurope' },
  { name: 'eastus', displayName: 'East US', geography: 'United States', geographyGroup: 'US', latitude: '37.3719', longitude: '-79.8164', physicalLocation: 'Virginia', paired: 'westus' },
  { name: 'westus', displayName: 'West US', geography: 'United States', geographyGroup: 'US', latitude: '37.783', longitude: '-122.417', physicalLocation: 'California', paired: 'eastus' },
  { name: 'australiaeast', displayName: 'Australia East', geography: 'Australia', geographyGroup: 'Asia Pacific', latitude: '-33.86', longitude: '151.2094', physicalLocation: 'New South Wales', paired: 'australiasoutheast' },
];

export function regionName(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '');
}

export function subscriptionResource(s: Subscription): Record<string, unknown> {
  return {
    id: `/subscriptions/${s.id}`, authorizationSource: 'RoleBased', managedByTenants: [], subscriptionId: s.id, tenantId: s.tenantId,
    displayName: s.displayName, state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' }, tags: {},
  };
}

function locationResource(subscriptionId: string, r: Region): Record<string, unknown> {
  const id = (name: string) => `/subscriptions/${subscriptionId}/locations/${name}`;
  return {
    id: id(r.name), name: r.name, type: 'Region', displayName: r.displayName, regionalDisplayName: `(${r.geographyGroup}) ${r.displayName}`,
    metadata: { regionType: 'Physical', regionCategory: 'Recommended', geography: r.geography, geographyGroup: r.geographyGroup,
      longitude: r.longitude, latitude: r.latitude, physicalLocation: r.physicalLocation, pairedRegion: [{ name: r.paired, id: id(r.paired) }] },
    availabilityZoneMappings: ['1', '2', '3'].map((z) => ({ logicalZone: z, physicalZone: `${r.name}-az${z}` })),
  };
}

/** Subscriptions visible to a caller: those of its tenant where it holds any role assignment at or below the subscription. */
function visibleSubscriptions(a: ArmRequest): Subscription[] {
  const assignments = a.ctx.state.roleAssignments.values().filter((ra) => ra.principalId === a.claims.oid);
  return [...a.ctx.state.subscriptions.values()].filter((s) => s.tenantId === a.claims.tid
    && assignments.some((ra) => scopeCovers(`/subscriptions/${s.id}`, ra.scope) || scopeCovers(ra.scope, `/subscriptions/${s.id}`)));
}

export function handleResources(a: ArmRequest): SimResponse | undefined {
  const { segments, method } = a;
  if (segments.length === 1 && eq(segments[0], 'subscriptions') && method === 'GET') {
    return json(200, { value: visibleSubscriptions(a).map(subscriptionResource) });
  }
  const path = parseResourcePath(segments);
  if (!path || path.provider) return undefined;
  const sub = a.ctx.state.subscriptions.get(path.subscriptionId.toLowerCase());
  if (!sub) return undefined;
  const subId = `/subscriptions/${sub.id}`;
  if (!path.resourceGroup) {
    if (path.rest.length === 0 && method === 'GET') {
      return visibleSubscriptions(a).includes(sub) ? json(200, subscriptionResource(sub)) : armError(404, 'SubscriptionNotFound', `The subscription '${sub.id}' could not be found.`);
    }
    if (path.rest.length === 1 && eq(path.rest[0], 'locations') && method === 'GET') return json(200, { value: REGIONS.map((r) => locationResource(sub.id, r)) });
    if (path.rest.length === 1 && eq(path.rest[0], 'resourcegroups') && method === 'GET') {
      return requireAction(a, subId, 'Microsoft.Resources/subscriptions/resourceGroups/read')
        ?? json(200, { value: a.ctx.state.resourceGroups.under(`${subId}/resourceGroups`).map(resourceGroupResource) });
    }
    if (path.rest.length === 1 && eq(path.rest[0], 'resources') && method === 'GET') return listResources(a, subId);
    return undefined;
  }
  if (path.rest.length > 0) return undefined;
  const id = rgId(sub.id, path.resourceGroup);
  const existing = a.ctx.state.resourceGroups.get(id);
  if (method === 'GET') {
    return requireAction(a, id, 'Microsoft.Resources/subscriptions/resourceGroups/read')
      ?? (existing ? json(200, resourceGroupResource(existing)) : resourceGroupNotFound(path.resourceGroup));
  }
  if (method === 'PUT') {
    const denied = requireAction(a, id, 'Microsoft.Resources/subscriptions/resourceGroups/write');
    if (denied) return denied;
    const input = body<{ location?: string; tags?: Record<string, string> }>(a);
    if (!input?.location) return armError(400, 'LocationRequired', 'The location property is required for this definition.');
    const rg = a.ctx.state.resourceGroups.set({ id, subscriptionId: sub.id, name: existing?.name ?? path.resourceGroup,
      location: regionName(input.location), tags: input.tags ?? existing?.tags ?? {} });
    return json(existing ? 200 : 201, resourceGroupResource(rg));
  }
  if (method === 'DELETE') {
    const denied = requireAction(a, id, 'Microsoft.Resources/subscriptions/resourceGroups/delete');
    if (denied) return denied;
    if (!existing) return { status: 204 };
    a.ctx.state.resourceGroups.delete(id);
    return { status: 200 };
  }
  return undefined;
}

export function resourceGroupResource(rg: { id: string; name: string; location: string; tags: Record<string, string> }): Record<string, unknown> {
  return { id: rg.id, name: rg.name, type: 'Microsoft.Resources/resourceGroups', location: rg.location, tags: rg.tags, properties: { provisioningState: 'Succeeded' } };
}

/** GET /subscriptions/{id}/resources — arm-keyvault's `vaults.list()` uses it with a resourceType filter. */
function listResources(a: ArmRequest, subId: string): SimResponse {
  const state = a.ctx.state;
  const all = [
    ...state.vaults.under(subId).map((v) => ({ id: v.id, name: v.name, type: 'Microsoft.KeyVault/vaults', location: v.location, tags: v.tags })),
    ...state.identities.under(subId).map((i) => ({ id: i.id, name: i.name, type: 'Microsoft.ManagedIdentity/userAssignedIdentities', location: i.location, tags: i.tags })),
    ...state.diskEncryptionSets.under(subId).map((d) => ({ id: d.id, name: d.name, type: 'Microsoft.Compute/diskEncryptionSets', location: d.location, tags: d.tags })),
    ...state.disks.under(subId).map((d) => ({ id: d.id, name: d.name, type: 'Microsoft.Compute/disks', location: d.location, tags: {} })),
    ...state.virtualMachines.under(subId).map((v) => ({ id: v.id, name: v.name, type: 'Microsoft.Compute/virtualMachines', location: v.location, tags: {} })),
  ];
  const typeFilter = /resourceType eq '([^']+)'/i.exec(a.query.get('$filter') ?? '')?.[1];
  const top = Number(a.query.get('$top') ?? '0');
  // ARM lists only what the caller may read, rather than refusing the whole list.
  const value = all.filter((r) => (!typeFilter || eq(r.type, typeFilter))
    && isAllowed(state, { principalId: a.claims.oid, resourceId: r.id, action: `${r.type}/read`, data: false }));
  return json(200, { value: top > 0 ? value.slice(0, top) : value });
}
