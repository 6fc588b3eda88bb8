/** The simulator's in-memory world: directory objects, ARM resources, keys, operations. */
import { randomBytes } from 'node:crypto';
import { SIM_HSM_RESOURCE, SIM_VAULT_RESOURCE } from './context';
import { scenarioSchema, servicePrincipalObjectId, stableGuid, userObjectId, type ParsedScenario, type Scenario } from './seed';

export interface User {
  id: string; tenantId: string; upn: string; displayName: string;
  directoryRoles: string[]; appRoles: string[]; description: string;
  /** Set for a B2B guest: the tenant the account comes from (its tokens carry `idp`, and `acct` 1 when configured). */
  homeTenantId?: string;
}
export interface Tenant { id: string; displayName: string; domain: string; createdDateTime: string }
export interface FederatedCredential { id: string; name: string; issuer: string; subject: string; audiences: string[]; description?: string }
export interface Application {
  appId: string; objectId: string; displayName: string; homeTenantId: string; clientSecret?: string;
  /** Web platform redirect URIs. */
  redirectUris: string[];
  /** Single-page application platform redirect URIs. */
  spaRedirectUris: string[];
  apiScopes: string[]; appRoles: string[]; graphApplicationPermissions: string[];
  /** App roles applications may hold (allowedMemberTypes Application); absent = users only. */
  applicationAppRoles?: string[];
  /** `api.requestedAccessTokenVersion` (null = v1 tokens, Entra's default). */
  requestedAccessTokenVersion: 1 | 2 | null;
  /** Optional claims per token type (`optionalClaims.idToken` / `.accessToken`): the simulator emits acct, auth_time, acrs only when listed. */
  optionalClaims: { idToken: string[]; accessToken: string[] };
  /** `groupMembershipClaims`: DirectoryRole or All puts the user's directory role template ids in `wids`. */
  groupMembershipClaims: string | null;
  requiredResourceAccess: { resource: string; scopes: string[] }[];
  federatedIdentityCredentials: FederatedCredential[]; createdDateTime: string;
  /** Set once the registration is created or changed through Graph (graph-writes.ts); seeded apps have none. */
  registration?: GraphRegistration;
}
/** What Graph application writes record beyond the fields sign-in and consent use (kept in step with them). */
export interface GraphRegistration {
  signInAudience: string; identifierUris: string[];
  /** Object ids of the owners (the creating service principal when created app-only). */
  owners: string[];
  appRoles: { id: string; value: string; displayName: string; description: string; allowedMemberTypes: string[]; isEnabled: boolean }[];
  scopes: { id: string; value: string; type: string; adminConsentDisplayName: string; adminConsentDescription: string;
    userConsentDisplayName: string | null; userConsentDescription: string | null; isEnabled: boolean }[];
  requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  passwordCredentials: { keyId: string; displayName: string | null; hint: string; startDateTime: string; endDateTime: string }[];
}
/** A custom Azure role created with PUT roleDefinitions (arm/authorization.ts). */
export interface CustomRoleDefinition {
  id: string; roleName: string; description: string; tenantId: string; assignableScopes: string[];
  actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[]; createdOn: string; updatedOn: string;
}
/** An oauth2PermissionGrant: delegated scopes of one resource that a client may use, tenant-wide or for one user. */
export interface DelegatedGrant {
  clientAppId: string; tenantId: string; consentType: 'AllPrincipals' | 'Principal'; principalId?: string;
  /** Resource identifier URI, canonical form (see canonicalResource). */
  resource: string; scopes: string[];
}
export interface ServicePrincipal {
  id: string; appId: string; tenantId: string; displayName: string; appOwnerOrganizationId: string;
  /** Graph application permissions granted by admin consent in this tenant. */
  grantedGraphPermissions: string[]; createdDateTime: string;
  /** Epoch ms from which Graph reads and token requests see it (directory replication after consent). */
  visibleFrom: number;
}
export interface Subscription { id: string; tenantId: string; displayName: string }
export interface ResourceGroup { id: string; subscriptionId: string; name: string; location: string; tags: Record<string, string> }
export interface RoleAssignment {
  id: string; name: string; scope: string; roleDefinitionId: string; principalId: string; principalType: string;
  description?: string; createdOn: string; createdBy?: string;
  /** Epoch ms from which data-plane checks see the assignment (role propagation delay). */
  effectiveAt: number;
}
export interface IdentityFic { name: string; issuer: string; subject: string; audiences: string[] }
export interface UserAssignedIdentity {
  id: string; subscriptionId: string; resourceGroup: string; name: string; location: string; tenantId: string;
  clientId: string; principalId: string; tags: Record<string, string>; federatedIdentityCredentials: Map<string, IdentityFic>;
}
export interface KeyVersion {
  version: string; kty: string; keySize: number; keyOps: string[]; enabled: boolean;
  created: number; updated: number; notBefore?: number; expires?: number;
  /** Identity under which its RSA material is cached (see keys.ts). */
  materialId: string;
}
export interface RotationPolicy {
  lifetimeActions: { trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string }; action: { type: string } }[];
  attributes: { expiryTime?: string; created: number; updated: number };
}
export interface VaultKey {
  name: string; versions: KeyVersion[]; tags: Record<string, string>; rotationPolicy?: RotationPolicy;
  deletedDate?: number; scheduledPurgeDate?: number;
}
export interface AccessPolicy { tenantId: string; objectId: string; permissions: { keys: string[]; secrets: string[]; certificates?: string[] } }
export interface Vault {
  id: string; name: string; subscriptionId: string; resourceGroup: string; location: string; tenantId: string;
  tags: Record<string, string>; sku: 'standard' | 'premium';
  enableRbacAuthorization: boolean; enableSoftDelete: boolean; enablePurgeProtection: boolean; softDeleteRetentionInDays: number;
  publicNetworkAccess: 'Enabled' | 'Disabled'; networkDefaultAction: 'Allow' | 'Deny'; networkBypass: string;
  accessPolicies: AccessPolicy[]; keys: Map<string, VaultKey>; deletedKeys: Map<string, VaultKey>;
  createdAt: string; createdBy: string;
  /** Set on a Managed HSM pool, whose keys the same data plane serves (hsm.ts adds its local RBAC). */
  kind?: 'managedHsm';
}
/** A role assignment of a Managed HSM's local RBAC: scope `/`, `/keys` or `/keys/{name}`, on the pool's data plane. */
export interface HsmRoleAssignment { name: string; scope: string; roleDefinitionId: string; principalId: string; effectiveAt: number }
/** A Managed HSM pool: keys like a vault's, access only through its local RBAC, usable only once its security domain is activated. */
export interface ManagedHsm extends Vault {
  kind: 'managedHsm';
  activated: boolean;
  initialAdminObjectIds: string[];
  roleAssignments: Map<string, HsmRoleAssignment>;
}
/** Which data plane a port or key URL belongs to. */
export type KeyStoreKind = 'vault' | 'managedHsm';
export interface KeyStoreRef { name: string; kind: KeyStoreKind }
export interface ApiError { code: string; message: string; target?: string }
export interface DiskEncryptionSet {
  id: string; name: string; subscriptionId: string; resourceGroup: string; location: string; tags: Record<string, string>;
  identity: { type: string; userAssignedIdentities?: Record<string, { principalId: string; clientId: string }> };
  encryptionType: string; keyUrl: string; sourceVaultId?: string; federatedClientId?: string;
  rotationToLatestKeyVersionEnabled: boolean; previousKeys: string[];
  provisioningState: 'Succeeded' | 'Updating' | 'Creating' | 'Failed' | 'Deleting';
  lastKeyRotationTimestamp?: string; autoKeyRotationError?: ApiError;
}
export interface Disk {
  id: string; name: string; subscriptionId: string; resourceGroup: string; location: string; diskSizeGB: number; sku: string;
  diskEncryptionSetId?: string; managedBy?: string; timeCreated: string; uniqueId: string;
}
export interface VirtualMachine {
  id: string; name: string; subscriptionId: string; resourceGroup: string; location: string; osDiskId: string;
  powerState: 'running' | 'deallocated' | 'deallocating' | 'starting' | 'stopped'; vmId: string;
}
export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
export interface LongRunningOperation {
  id: string; subscriptionId: string; location: string; status: OperationStatus; startTime: string; endTime?: string;
  error?: ApiError; resourceId?: string; kind: string;
  /** Set when the operation was stalled by a fault: it stays InProgress until released. */
  stalled: boolean;
  /** Applies the operation's effect; not part of the inspectable state. */
  finish?: (outcome: { error?: ApiError }) => void;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** One spelling per resource: no trailing slash, ARM's legacy audience folded into ARM, app ID URIs lower-cased. */
export function canonicalResource(resource: string): string {
  const trimmed = resource.replace(/\/+$/, '');
  if (trimmed === 'https://management.core.windows.net') return 'https://management.azure.com';
  // The simulator's vaults challenge for their own resource (context.ts); it stands for Azure Key Vault.
  if (trimmed === SIM_VAULT_RESOURCE) return 'https://vault.azure.net';
  if (trimmed === SIM_HSM_RESOURCE) return 'https://managedhsm.azure.net';
  return /^api:\/\//i.test(trimmed) ? trimmed.toLowerCase() : trimmed;
}
export const newKeyVersion = () => randomBytes(16).toString('hex');

const lower = (s: string) => s.toLowerCase();

/** Azure resource ids are case-insensitive; maps are keyed by the lower-cased id. */
export class ResourceMap<T extends { id: string }> {
  private readonly items = new Map<string, T>();
  get(id: string): T | undefined { return this.items.get(lower(id)); }
  set(item: T): T { this.items.set(lower(item.id), item); return item; }
  delete(id: string): boolean { return this.items.delete(lower(id)); }
  values(): T[] { return [...this.items.values()]; }
  under(prefix: string): T[] {
    const p = lower(prefix).replace(/\/$/, '') + '/';
    return this.values().filter((item) => lower(item.id).startsWith(p));
  }
}

/** An app role of a resource service principal assigned to a client service principal (Graph appRoleAssignment). */
/** An app role's id, as Graph shows it on the resource's service principal (graph.ts uses the same). */
export function appRoleIdFor(appId: string, value: string): string {
  return stableGuid(appId, value);
}

export interface AppRoleAssignment {
  id: string; tenantId: string; principalId: string; principalAppId: string; principalDisplayName: string;
  resourceId: string; resourceAppId: string; resourceDisplayName: string; appRoleId: string; role: string; createdDateTime: string;
}
export class SimState {
  providerTenantId = '';
  tenants = new Map<string, Tenant>();
  users = new Map<string, User>();
  applications = new Map<string, Application>();
  /** Keyed `${tenantId}|${appId}`. */
  servicePrincipals = new Map<string, ServicePrincipal>();
  delegatedGrants: DelegatedGrant[] = [];
  appRoleAssignments: AppRoleAssignment[] = [];
  /** Client ids of the identities attached to the host whose IDENTITY_HEADER appEnv() hands out. */
  hostIdentities = new Set<string>();
  subscriptions = new Map<string, Subscription>();
  resourceGroups = new ResourceMap<ResourceGroup>();
  roleAssignments = new ResourceMap<RoleAssignment>();
  identities = new ResourceMap<UserAssignedIdentity>();
  /** Custom role definitions, keyed by their GUID. */
  customRoleDefinitions = new Map<string, CustomRoleDefinition>();
  vaults = new ResourceMap<Vault>();
  managedHsms = new ResourceMap<ManagedHsm>();
  diskEncryptionSets = new ResourceMap<DiskEncryptionSet>();
  disks = new ResourceMap<Disk>();
  virtualMachines = new ResourceMap<VirtualMachine>();
  operations = new Map<string, LongRunningOperation>();
  /** Disk encryption sets with an automatic key rotation step due (see arm/compute.ts). */
  pendingRotations = new Set<string>();

  /**
   * `vaultOrigin` gives each vault its own origin (`https://localhost:{vaultPort}`), as each Azure vault has
   * its own host: the Key Vault SDK parses key ids as `{origin}/keys/{name}/{version}` and rejects path prefixes.
   */
  constructor(scenario: Scenario, readonly origin: string, private readonly vaultOrigin: (name: string, kind: KeyStoreKind) => string,
    private readonly keyStoreForPort: (port: number) => KeyStoreRef | undefined) {
    this.load(scenario);
  }

  private load(input: Scenario): void {
    const scenario = scenarioSchema.parse(input);
    const created = new Date().toISOString();
    this.providerTenantId = scenario.providerTenantId;
    for (const t of scenario.tenants) {
      this.tenants.set(t.id, { id: t.id, displayName: t.displayName, domain: t.domain, createdDateTime: created });
      for (const u of t.users) {
        const id = u.id ?? userObjectId(u.upn);
        this.users.set(id, { id, tenantId: t.id, upn: u.upn, displayName: u.displayName, directoryRoles: u.directoryRoles,
          appRoles: u.appRoles, description: u.description, ...(u.homeTenantId && { homeTenantId: u.homeTenantId }) });
      }
    }
    for (const a of scenario.applications) {
      this.applications.set(a.appId, {
        appId: a.appId, objectId: stableGuid('application', a.appId), displayName: a.displayName, homeTenantId: a.homeTenantId,
        clientSecret: a.clientSecret, redirectUris: a.redirectUris, spaRedirectUris: a.spaRedirectUris, apiScopes: a.apiScopes, appRoles: a.appRoles,
        applicationAppRoles: a.applicationAppRoles,
        graphApplicationPermissions: a.graphApplicationPermissions, createdDateTime: created,
        requestedAccessTokenVersion: a.requestedAccessTokenVersion,
        optionalClaims: a.optionalClaims, groupMembershipClaims: a.groupMembershipClaims,
        requiredResourceAccess: a.requiredResourceAccess.map((r) => ({ resource: canonicalResource(r.resource), scopes: r.scopes })),
        federatedIdentityCredentials: a.federatedIdentityCredentials.map((f) => ({ ...f, id: stableGuid('fic', a.appId, f.name) })),
      });
      const spTenants = a.servicePrincipalTenants === 'all' ? [...this.tenants.keys()] : [a.homeTenantId, ...a.servicePrincipalTenants];
      for (const tenantId of new Set(spTenants)) {
        this.addServicePrincipal(a.appId, tenantId, tenantId !== a.homeTenantId);
        this.grantDelegated(a.appId, tenantId, undefined, this.applications.get(a.appId)?.requiredResourceAccess ?? []);
      }
    }
    for (const a of scenario.appRoleAssignments) {
      const assigned = this.assignAppRole(a.tenantId, a.clientAppId, a.resourceAppId, a.role);
      if (typeof assigned === 'string') throw new Error(`scenario appRoleAssignments: ${assigned}`);
    }
    for (const s of scenario.subscriptions) {
      this.subscriptions.set(lower(s.id), { id: s.id, tenantId: s.tenantId, displayName: s.displayName });
      for (const rg of s.resourceGroups) {
        this.resourceGroups.set({ id: `/subscriptions/${s.id}/resourceGroups/${rg.name}`, subscriptionId: s.id, name: rg.name, location: rg.location, tags: {} });
      }
    }
    for (const ra of scenario.roleAssignments) {
      const name = stableGuid('roleAssignment', ra.scope, ra.roleDefinitionId, ra.principalId);
      this.roleAssignments.set({ id: `${ra.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, name, scope: ra.scope,
        roleDefinitionId: ra.roleDefinitionId, principalId: ra.principalId, principalType: ra.principalType, createdOn: created, effectiveAt: 0 });
    }
    for (const mi of scenario.userAssignedIdentities) {
      this.identities.set({ id: `/subscriptions/${mi.subscriptionId}/resourceGroups/${mi.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${mi.name}`,
        subscriptionId: mi.subscriptionId, resourceGroup: mi.resourceGroup, name: mi.name, location: mi.location,
        tenantId: this.subscriptionTenant(mi.subscriptionId), clientId: mi.clientId, principalId: mi.principalId, tags: {},
        federatedIdentityCredentials: new Map() });
    }
    this.hostIdentities = new Set(scenario.hostIdentities
      ?? this.identities.values().filter((i) => i.tenantId === this.providerTenantId).map((i) => i.clientId));
    for (const v of scenario.vaults) {
      const vault: Vault = {
        id: `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.KeyVault/vaults/${v.name}`,
        name: v.name, subscriptionId: v.subscriptionId, resourceGroup: v.resourceGroup, location: v.location,
        tenantId: this.subscriptionTenant(v.subscriptionId), tags: {}, sku: 'standard',
        enableRbacAuthorization: v.enableRbacAuthorization, enableSoftDelete: v.enableSoftDelete, enablePurgeProtection: v.enablePurgeProtection,
        softDeleteRetentionInDays: v.softDeleteRetentionInDays, publicNetworkAccess: v.publicNetworkAccess,
        networkDefaultAction: v.networkDefaultAction, networkBypass: 'AzureServices', accessPolicies: v.accessPolicies,
        keys: new Map(), deletedKeys: new Map(), createdAt: created, createdBy: 'seed',
      };
      vault.keys = this.seedKeys(v.name, v.keys);
      this.vaults.set(vault);
    }
    for (const h of scenario.managedHsms) {
      const hsm: ManagedHsm = {
        id: `/subscriptions/${h.subscriptionId}/resourceGroups/${h.resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${h.name}`,
        name: h.name, subscriptionId: h.subscriptionId, resourceGroup: h.resourceGroup, location: h.location,
        tenantId: this.subscriptionTenant(h.subscriptionId), tags: {}, sku: 'premium', kind: 'managedHsm', activated: h.activated,
        initialAdminObjectIds: h.initialAdminObjectIds, enableRbacAuthorization: true, enableSoftDelete: true,
        enablePurgeProtection: h.enablePurgeProtection, softDeleteRetentionInDays: h.softDeleteRetentionInDays, publicNetworkAccess: 'Enabled',
        networkDefaultAction: 'Allow', networkBypass: 'AzureServices', accessPolicies: [], keys: this.seedKeys(h.name, h.keys),
        deletedKeys: new Map(), createdAt: created, createdBy: 'seed', roleAssignments: new Map(),
      };
      for (const ra of h.roleAssignments) {
        const name = stableGuid('hsmRoleAssignment', h.name, ra.scope, ra.roleDefinitionId, ra.principalId);
        hsm.roleAssignments.set(name, { name, scope: ra.scope, roleDefinitionId: ra.roleDefinitionId, principalId: ra.principalId, effectiveAt: 0 });
      }
      this.managedHsms.set(hsm);
    }
    for (const d of scenario.disks) {
      this.disks.set({ id: `/subscriptions/${d.subscriptionId}/resourceGroups/${d.resourceGroup}/providers/Microsoft.Compute/disks/${d.name}`,
        name: d.name, subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, location: d.location, diskSizeGB: d.diskSizeGB,
        sku: d.sku, timeCreated: created, uniqueId: stableGuid('disk', d.name) });
    }
    for (const vm of scenario.virtualMachines) {
      const id = `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`;
      const osDiskId = `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/disks/${vm.osDiskName}`;
      const disk = this.disks.get(osDiskId);
      if (disk) disk.managedBy = id;
      this.virtualMachines.set({ id, name: vm.name, subscriptionId: vm.subscriptionId, resourceGroup: vm.resourceGroup, location: vm.location,
        osDiskId, powerState: 'running', vmId: stableGuid('vm', vm.name) });
    }
  }

  private seedKeys(storeName: string, keys: ParsedScenario['vaults'][number]['keys']): Map<string, VaultKey> {
    const map = new Map<string, VaultKey>();
    for (const k of keys) {
      const now = nowSeconds();
      const version = stableGuid('keyVersion', storeName, k.name).replace(/-/g, '');
      map.set(lower(k.name), { name: k.name, tags: {}, versions: [{
        version, kty: k.kty, keySize: k.keySize, keyOps: k.keyOps, enabled: k.enabled, created: now, updated: now,
        expires: k.expiresInDays === undefined ? undefined : now + k.expiresInDays * 86400, materialId: `${storeName}/${k.name}/${version}`,
      }] });
    }
    return map;
  }

  subscriptionTenant(subscriptionId: string): string {
    return this.subscriptions.get(lower(subscriptionId))?.tenantId ?? this.providerTenantId;
  }

  /** Creates (or re-consents) the app's service principal; a new one replicates for `replicationMs` before anyone sees it. */
  addServicePrincipal(appId: string, tenantId: string, viaConsent: boolean, replicationMs = 0): ServicePrincipal {
    const existing = this.servicePrincipal(appId, tenantId);
    const app = this.applications.get(appId);
    const sp: ServicePrincipal = existing ?? {
      id: servicePrincipalObjectId(appId, tenantId), appId, tenantId, displayName: app?.displayName ?? appId,
      appOwnerOrganizationId: app?.homeTenantId ?? tenantId, grantedGraphPermissions: [], createdDateTime: new Date().toISOString(),
      visibleFrom: Date.now() + replicationMs,
    };
    if (viaConsent || tenantId === app?.homeTenantId) sp.grantedGraphPermissions = [...(app?.graphApplicationPermissions ?? [])];
    // Admin consent (the `.default` of the app) grants every delegated permission the app declares, tenant-wide.
    if (viaConsent) this.grantDelegated(appId, tenantId, undefined, app?.requiredResourceAccess ?? []);
    this.servicePrincipals.set(`${tenantId}|${appId}`, sp);
    return sp;
  }

  /**
   * Assigns an app role of the resource app to the client app's service principal in one tenant; a string says why
   * not. Only roles whose allowedMemberTypes include Application may go to a service principal.
   */
  assignAppRole(tenantId: string, clientAppId: string, resourceAppId: string, role: string): AppRoleAssignment | string {
    const client = this.servicePrincipal(clientAppId, tenantId);
    const resource = this.servicePrincipal(resourceAppId, tenantId);
    if (!client || !resource) return `no service principal of ${client ? resourceAppId : clientAppId} in tenant ${tenantId}`;
    if (!(this.applications.get(resourceAppId)?.applicationAppRoles ?? []).includes(role)) return `app role ${role} of ${resourceAppId} cannot be assigned to applications`;
    const existing = this.appRoleAssignments.find((a) => a.tenantId === tenantId && a.principalId === client.id && a.resourceId === resource.id && a.role === role);
    if (existing) return existing;
    const assignment: AppRoleAssignment = {
      id: stableGuid('appRoleAssignment', tenantId, client.id, resource.id, role), tenantId, principalId: client.id, principalAppId: clientAppId,
      principalDisplayName: client.displayName, resourceId: resource.id, resourceAppId, resourceDisplayName: resource.displayName,
      appRoleId: appRoleIdFor(resourceAppId, role), role, createdDateTime: new Date().toISOString(),
    };
    this.appRoleAssignments.push(assignment);
    return assignment;
  }

  /** The app roles of `resourceAppId` that the client's service principal holds in its tenant (the app-only `roles` claim). */
  assignedAppRoles(sp: ServicePrincipal, resourceAppId: string): string[] {
    return this.appRoleAssignments.filter((a) => a.tenantId === sp.tenantId && a.principalId === sp.id && a.resourceAppId === resourceAppId).map((a) => a.role);
  }

  servicePrincipal(appId: string, tenantId: string): ServicePrincipal | undefined {
    return this.servicePrincipals.get(`${tenantId}|${appId}`);
  }

  /** The service principal as Graph and the token endpoint see it: absent until it has replicated. */
  replicatedServicePrincipal(appId: string, tenantId: string, now = Date.now()): ServicePrincipal | undefined {
    const sp = this.servicePrincipal(appId, tenantId);
    return sp && sp.visibleFrom <= now ? sp : undefined;
  }

  /** Records consent: a tenant-wide grant (`principalId` undefined, admin consent) or one user's grant, merged per resource. */
  grantDelegated(clientAppId: string, tenantId: string, principalId: string | undefined, permissions: { resource: string; scopes: string[] }[]): void {
    const consentType = principalId ? 'Principal' : 'AllPrincipals';
    for (const { resource, scopes } of permissions) {
      const canonical = canonicalResource(resource);
      const existing = this.delegatedGrants.find((g) => g.clientAppId === clientAppId && g.tenantId === tenantId
        && g.consentType === consentType && g.principalId === principalId && g.resource === canonical);
      if (existing) existing.scopes = [...new Set([...existing.scopes, ...scopes])];
      else this.delegatedGrants.push({ clientAppId, tenantId, consentType, principalId, resource: canonical, scopes: [...scopes] });
    }
  }

  /** The delegated scopes of `resource` that `clientAppId` may use for this user: tenant-wide grants plus the user's own. */
  consentedScopes(clientAppId: string, tenantId: string, userId: string, resource: string): Set<string> {
    const canonical = canonicalResource(resource);
    return new Set(this.delegatedGrants.filter((g) => g.clientAppId === clientAppId && g.tenantId === tenantId && g.resource === canonical
      && (g.consentType === 'AllPrincipals' || g.principalId === userId)).flatMap((g) => g.scopes));
  }

  /** Removes grants (all of the app's in the tenant, or one resource's), as deleting them in Entra does. */
  revokeDelegated(clientAppId: string, tenantId: string, resource?: string): number {
    const before = this.delegatedGrants.length;
    this.delegatedGrants = this.delegatedGrants.filter((g) => !(g.clientAppId === clientAppId && g.tenantId === tenantId
      && (resource === undefined || g.resource === canonicalResource(resource))));
    return before - this.delegatedGrants.length;
  }

  /** Who an object id is, in any tenant: a user, an app's service principal or a managed identity. */
  principal(objectId: string): { type: 'User' | 'ServicePrincipal'; tenantId: string; displayName: string } | undefined {
    const user = this.users.get(objectId);
    if (user) return { type: 'User', tenantId: user.tenantId, displayName: user.displayName };
    for (const sp of this.servicePrincipals.values()) {
      if (sp.id === objectId) return { type: 'ServicePrincipal', tenantId: sp.tenantId, displayName: sp.displayName };
    }
    const mi = this.identities.values().find((i) => i.principalId === objectId);
    if (mi) return { type: 'ServicePrincipal', tenantId: mi.tenantId, displayName: mi.name };
    return undefined;
  }

  vaultByName(name: string): Vault | undefined {
    return this.vaults.values().find((v) => lower(v.name) === lower(name));
  }

  hsmByName(name: string): ManagedHsm | undefined {
    return this.managedHsms.values().find((h) => lower(h.name) === lower(name));
  }

  /** The vault or Managed HSM a port or key URL names. */
  keyStore(ref: KeyStoreRef): Vault | undefined {
    return ref.kind === 'managedHsm' ? this.hsmByName(ref.name) : this.vaultByName(ref.name);
  }

  vaultUri(vault: Vault): string {
    return `${this.vaultOrigin(vault.name, vault.kind ?? 'vault')}/`;
  }

  keyId(vault: Vault, keyName: string, version?: string): string {
    return `${this.vaultOrigin(vault.name, vault.kind ?? 'vault')}/keys/${keyName}${version ? `/${version}` : ''}`;
  }

  /**
   * Parses a key URL of this simulator: `https://{vault}.vault.localhost:{port}/keys/{name}[/{version}]`,
   * `https://{hsm}.managedhsm.localhost:{port}/keys/...` (or the `/kv/{vault}/keys/...` alias).
   */
  parseKeyUrl(keyUrl: string): { vaultName: string; kind: KeyStoreKind; keyName: string; version?: string } | undefined {
    const alias = /^https:\/\/[^/]+\/kv\/([^/]+)\/keys\/([^/]+)(?:\/([^/?]*))?\/?$/i.exec(keyUrl);
    if (alias?.[1] && alias[2]) return { vaultName: alias[1], kind: 'vault', keyName: alias[2], version: alias[3] || undefined };
    const own = /^https:\/\/([a-z0-9-]+)\.(vault|managedhsm)\.localhost:(\d+)\/keys\/([^/]+)(?:\/([^/?]*))?\/?$/i.exec(keyUrl);
    const store = own ? this.keyStoreForPort(Number(own[3])) : undefined;
    const kind: KeyStoreKind = lower(own?.[2] ?? '') === 'managedhsm' ? 'managedHsm' : 'vault';
    if (!own?.[4] || !store || store.kind !== kind || lower(store.name) !== lower(own[1] ?? '')) return undefined;
    return { vaultName: store.name, kind, keyName: own[4], version: own[5] || undefined };
  }
}
