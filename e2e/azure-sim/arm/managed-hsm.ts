/**
 * Microsoft.KeyVault/managedHSMs (management plane): list and get of the pools seeded in the state. Shape from
 * azure-rest-api-specs keyvault resource-manager 2025-05-01 ManagedHsm_Get.json, plus `securityDomainProperties`
 * (activationStatus Active / NotActivated, learn.microsoft.com ManagedHSMSecurityDomainProperties).
 */
import { json, type SimResponse } from '../http';
import type { ManagedHsm } from '../state';
import { eq, notFound, parseResourcePath, requireAction, rgId, systemData, type ArmRequest } from './arm';

export function managedHsmResource(a: ArmRequest, h: ManagedHsm): Record<string, unknown> {
  return {
    id: h.id, name: h.name, type: 'Microsoft.KeyVault/managedHSMs', location: h.location, tags: h.tags,
    sku: { family: 'B', name: 'Standard_B1' }, systemData: systemData(h.createdBy, h.createdAt),
    properties: {
      tenantId: h.tenantId, initialAdminObjectIds: h.initialAdminObjectIds, enableSoftDelete: h.enableSoftDelete,
      softDeleteRetentionInDays: h.softDeleteRetentionInDays, enablePurgeProtection: h.enablePurgeProtection,
      hsmUri: a.ctx.state.vaultUri(h), provisioningState: 'Succeeded',
      statusMessage: h.activated ? 'The Managed HSM is provisioned and ready to use.' : 'The Managed HSM is provisioned but not activated: download the security domain to activate it.',
      securityDomainProperties: h.activated
        ? { activationStatus: 'Active', activationStatusMessage: 'Your HSM has been activated and can be used for cryptographic operations.' }
        : { activationStatus: 'NotActivated', activationStatusMessage: 'Your HSM is provisioned but not activated. Download the security domain to activate it.' },
      publicNetworkAccess: h.publicNetworkAccess, networkAcls: { bypass: h.networkBypass, defaultAction: h.networkDefaultAction, ipRules: [], virtualNetworkRules: [] },
    },
  };
}

export function handleManagedHsms(a: ArmRequest): SimResponse | undefined {
  const path = parseResourcePath(a.segments);
  if (!path || !eq(path.provider, 'Microsoft.KeyVault') || !eq(path.rest[0], 'managedHSMs') || a.method !== 'GET') return undefined;
  const state = a.ctx.state;
  if (path.rest.length === 1) {
    const scope = path.resourceGroup ? rgId(path.subscriptionId, path.resourceGroup) : `/subscriptions/${path.subscriptionId}`;
    const denied = requireAction(a, scope, 'Microsoft.KeyVault/managedHSMs/read');
    if (denied) return denied;
    return json(200, { value: state.managedHsms.under(scope).map((h) => managedHsmResource(a, h)) });
  }
  const name = path.rest[1];
  if (!path.resourceGroup || !name || path.rest.length !== 2) return undefined;
  const id = `${rgId(path.subscriptionId, path.resourceGroup)}/providers/Microsoft.KeyVault/managedHSMs/${name}`;
  const hsm = state.managedHsms.get(id);
  return requireAction(a, id, 'Microsoft.KeyVault/managedHSMs/read') ?? (hsm ? json(200, managedHsmResource(a, hsm)) : notFound('Microsoft.KeyVault/managedHSMs', name, path.resourceGroup));
}
