// What the provider tenant holds now, read through the Graph and ARM adapters. plan.ts compares it with desired.ts.
import type { AppFederatedCredential, AppRegistration, AppRegistrations } from "../azure/app-registrations";
import type { CustomRole, ProviderArm, ProviderIdentity, RoleAssignmentRef } from "../azure/provider-arm";
import type { DesiredApp, DesiredState } from "./desired";
import { desiredAssignmentScopes } from "./plan";

export type AppState = {
  registration: AppRegistration | null;
  /** Other registrations with the same display name (then the set-up cannot tell which one is meant). */
  sameName: string[];
  servicePrincipal: boolean;
};

export type CurrentState = {
  portalApp: AppState;
  cmkApp: AppState;
  resourceGroup: { name: string; location: string } | null;
  /** Resource groups of the customers' VMs that do not exist (besides the one the set-up creates). */
  missingVmResourceGroups: string[];
  identity: ProviderIdentity | null;
  /** Federated credentials of the CMK app. */
  fics: AppFederatedCredential[];
  /** Federated credentials of the portal app. */
  portalFics: AppFederatedCredential[];
  customRole: CustomRole | null;
  /** The identity's role assignments at the scopes the set-up manages. */
  assignments: RoleAssignmentRef[];
};

export type Adapters = { graph: AppRegistrations; arm: ProviderArm };

async function readApp(graph: AppRegistrations, desired: DesiredApp): Promise<AppState> {
  if (desired.clientId) {
    const registration = await graph.byAppId(desired.clientId);
    return { registration, sameName: [], servicePrincipal: registration ? await graph.servicePrincipalExists(registration.appId) : false };
  }
  const found = await graph.byDisplayName(desired.displayName);
  const registration = found.length === 1 ? (found[0] ?? null) : null;
  return { registration, sameName: found.length > 1 ? found.map((a) => a.appId) : [], servicePrincipal: registration ? await graph.servicePrincipalExists(registration.appId) : false };
}

export async function readCurrentState({ graph, arm }: Adapters, desired: DesiredState): Promise<CurrentState> {
  const [portalApp, cmkApp, resourceGroup, identity] = await Promise.all([
    readApp(graph, desired.portalApp),
    readApp(graph, desired.cmkApp),
    arm.resourceGroup(desired.resourceGroup.name),
    arm.identity(desired.identity.resourceGroup, desired.identity.name),
  ]);
  const otherVmGroups = desired.vmResourceGroups.filter((g) => g.toLowerCase() !== desired.resourceGroup.name.toLowerCase());
  const vmGroups = await Promise.all(otherVmGroups.map(async (name) => ({ name, exists: (await arm.resourceGroup(name)) !== null })));
  const fics = cmkApp.registration ? await graph.federatedCredentials(cmkApp.registration.objectId) : [];
  const portalFics = portalApp.registration ? await graph.federatedCredentials(portalApp.registration.objectId) : [];
  const customRole = await arm.customRoleByName(desired.customRole.roleName);
  const missingVmResourceGroups = vmGroups.filter((g) => !g.exists).map((g) => g.name);
  const scopes = desiredAssignmentScopes(desired).filter((scope) => !missingVmResourceGroups.some((g) => scope.toLowerCase() === arm.resourceGroupId(g).toLowerCase()));
  const assignments = identity ? (await Promise.all(scopes.map((scope) => arm.roleAssignmentsAt(scope, identity.principalId)))).flat() : [];
  return { portalApp, cmkApp, resourceGroup, missingVmResourceGroups, identity, fics, portalFics, customRole, assignments };
}
