/**
 * Scenario `provider-empty`: the provider tenant before "Phase 1" — no portal or CMK app, no managed identity,
 * no federated credential, no resource group for disk encryption sets. What exists: the customers as in the
 * default seed, the provider's workload VMs and disks in their own resource group, and one automation app
 * the operator runs `npm run provider` as (Graph Application.ReadWrite.OwnedBy, Owner on the subscription).
 */
import { BUILTIN_ROLES, defaultScenario, SIM, servicePrincipalObjectId, type Scenario } from './seed';

const SETUP_APP_ID = '77777777-7777-4777-8777-777777777777';

export const PROVIDER_EMPTY = {
  setupClientId: SETUP_APP_ID,
  setupClientSecret: 'sim-provider-setup-secret',
  setupServicePrincipalId: servicePrincipalObjectId(SETUP_APP_ID, SIM.providerTenantId),
  /** Where the provider's VMs and their disks live (the identity needs to deallocate and start them). */
  workloadResourceGroup: 'skyline-workloads-rg',
} as const;

export function providerEmptyScenario(origin: string): Scenario {
  const base = defaultScenario(origin);
  const providerApps = new Set<string>([SIM.portalClientId, SIM.cmkAppClientId]);
  const providerPrincipals = new Set<string>([SIM.uami.principalId, servicePrincipalObjectId(SIM.portalClientId, SIM.providerTenantId)]);
  const workload = { subscriptionId: SIM.providerSubscriptionId, resourceGroup: PROVIDER_EMPTY.workloadResourceGroup };
  return {
    ...base,
    applications: [
      ...(base.applications ?? []).filter((a) => !providerApps.has(a.appId)),
      { appId: SETUP_APP_ID, displayName: 'Skyline provider set-up (automation)', homeTenantId: SIM.providerTenantId,
        clientSecret: PROVIDER_EMPTY.setupClientSecret, graphApplicationPermissions: ['Application.ReadWrite.OwnedBy'] },
    ],
    subscriptions: (base.subscriptions ?? []).map((s) => (s.id === SIM.providerSubscriptionId
      ? { ...s, resourceGroups: [{ name: PROVIDER_EMPTY.workloadResourceGroup, location: 'westeurope' }] } : s)),
    roleAssignments: [
      ...(base.roleAssignments ?? []).filter((ra) => !providerPrincipals.has(ra.principalId)),
      { scope: `/subscriptions/${SIM.providerSubscriptionId}`, roleDefinitionId: BUILTIN_ROLES.owner, principalId: PROVIDER_EMPTY.setupServicePrincipalId, principalType: 'ServicePrincipal' },
    ],
    // The portal app does not exist yet, so nothing can hold its app roles.
    appRoleAssignments: (base.appRoleAssignments ?? []).filter((a) => !providerApps.has(a.resourceAppId)),
    userAssignedIdentities: [],
    hostIdentities: [],
    disks: (base.disks ?? []).map((d) => ({ ...d, ...workload })),
    virtualMachines: (base.virtualMachines ?? []).map((vm) => ({ ...vm, ...workload })),
  };
}
