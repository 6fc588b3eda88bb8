/**
 * Scenario format (what /__sim/reset and startSimulator({ scenario }) load) and the default seed:
 * a provider tenant and three customer tenants, each in a different onboarding situation.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A GUID derived from its parts, so seeded object ids are stable across runs and exportable. */
export function stableGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const userSchema = z.object({
  upn: z.string(),
  displayName: z.string(),
  id: z.string().optional(),
  /** Entra directory roles, e.g. 'Global Administrator' (decides who may grant admin consent). */
  directoryRoles: z.array(z.string()).default([]),
  /** App roles of the portal app assigned to this user (appear in the `roles` claim). */
  appRoles: z.array(z.string()).default([]),
  description: z.string().default(''),
  /** A B2B guest: the tenant the account really belongs to. */
  homeTenantId: z.string().optional(),
});

const tenantSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  domain: z.string(),
  users: z.array(userSchema).default([]),
});

const ficSchema = z.object({
  name: z.string(),
  issuer: z.string(),
  subject: z.string(),
  audiences: z.array(z.string()).default(['api://AzureADTokenExchange']),
  description: z.string().optional(),
});

const applicationSchema = z.object({
  appId: z.string(),
  displayName: z.string(),
  homeTenantId: z.string(),
  clientSecret: z.string().optional(),
  /** Redirect URIs of the Web platform (server-side code redemption with a client credential, e.g. consent callbacks). */
  redirectUris: z.array(z.string()).default([]),
  /** Redirect URIs of the Single-page application platform (browser code redemption with PKCE, cross-origin). */
  spaRedirectUris: z.array(z.string()).default([]),
  /** Delegated scopes the app exposes as an API (`api://{appId}/{scope}`). */
  apiScopes: z.array(z.string()).default([]),
  /** `api.requestedAccessTokenVersion`: the version of access tokens issued for this app's API (null = 1, as Entra defaults). */
  requestedAccessTokenVersion: z.union([z.literal(1), z.literal(2), z.null()]).default(null),
  /**
   * Delegated permissions the app declares (`requiredResourceAccess`), by resource identifier URI
   * (`https://management.azure.com`, `api://{appId}`): what admin consent and `.default` grant.
   */
  requiredResourceAccess: z.array(z.object({ resource: z.string(), scopes: z.array(z.string()) })).default([]),
  appRoles: z.array(z.string()).default([]),
  /** App roles that applications may hold too (`allowedMemberTypes` includes Application): assignable through Graph appRoleAssignedTo. */
  applicationAppRoles: z.array(z.string()).default([]),
  /** `optionalClaims` by token type; the simulator models acct, auth_time and acrs (see FIDELITY.md). */
  optionalClaims: z.object({ idToken: z.array(z.string()).default([]), accessToken: z.array(z.string()).default([]) }).default({ idToken: [], accessToken: [] }),
  /** `groupMembershipClaims`: DirectoryRole (or All) emits `wids`. */
  groupMembershipClaims: z.string().nullable().default(null),
  /** Graph application permissions granted when a tenant admin consents (appear as `roles` in app-only Graph tokens). */
  graphApplicationPermissions: z.array(z.string()).default([]),
  federatedIdentityCredentials: z.array(ficSchema).default([]),
  /**
   * Tenants other than the home tenant that already hold a service principal (consent given). 'all' = every tenant.
   * Each of them (and the home tenant) also holds the tenant-wide delegated grant of `requiredResourceAccess`.
   */
  servicePrincipalTenants: z.union([z.literal('all'), z.array(z.string())]).default([]),
});

const resourceGroupSchema = z.object({ name: z.string(), location: z.string() });

const subscriptionSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  displayName: z.string(),
  resourceGroups: z.array(resourceGroupSchema).default([]),
});

const roleAssignmentSchema = z.object({
  scope: z.string(),
  roleDefinitionId: z.string(),
  principalId: z.string(),
  principalType: z.enum(['User', 'ServicePrincipal', 'Group']).default('User'),
});

const uamiSchema = z.object({
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  name: z.string(),
  location: z.string(),
  clientId: z.string(),
  principalId: z.string(),
});

const keySchema = z.object({
  name: z.string(),
  kty: z.enum(['RSA', 'RSA-HSM', 'EC']).default('RSA'),
  keySize: z.number().default(3072),
  keyOps: z.array(z.string()).default(['wrapKey', 'unwrapKey', 'encrypt', 'decrypt', 'sign', 'verify']),
  enabled: z.boolean().default(true),
  /** Days until expiry; absent = no expiry. */
  expiresInDays: z.number().optional(),
});

const accessPolicySchema = z.object({
  tenantId: z.string(),
  objectId: z.string(),
  permissions: z.object({ keys: z.array(z.string()).default([]), secrets: z.array(z.string()).default([]) }),
});

const vaultSchema = z.object({
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  name: z.string(),
  location: z.string(),
  enableRbacAuthorization: z.boolean().default(true),
  enableSoftDelete: z.boolean().default(true),
  enablePurgeProtection: z.boolean().default(false),
  softDeleteRetentionInDays: z.number().default(90),
  publicNetworkAccess: z.enum(['Enabled', 'Disabled']).default('Enabled'),
  networkDefaultAction: z.enum(['Allow', 'Deny']).default('Allow'),
  accessPolicies: z.array(accessPolicySchema).default([]),
  keys: z.array(keySchema).default([]),
});

const hsmRoleAssignmentSchema = z.object({ scope: z.string().default('/'), roleDefinitionId: z.string(), principalId: z.string() });

const managedHsmSchema = z.object({
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  name: z.string(),
  location: z.string(),
  /** Whether the security domain has been downloaded (activation); until then the data plane serves nothing. */
  activated: z.boolean().default(true),
  initialAdminObjectIds: z.array(z.string()).default([]),
  enablePurgeProtection: z.boolean().default(true),
  softDeleteRetentionInDays: z.number().default(90),
  /** Local RBAC of the pool's data plane (HSM_ROLES ids); the initial administrators get Managed HSM Administrator at `/`. */
  roleAssignments: z.array(hsmRoleAssignmentSchema).default([]),
  keys: z.array(keySchema).default([]),
});

const diskSchema = z.object({
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  name: z.string(),
  location: z.string(),
  diskSizeGB: z.number().default(128),
  sku: z.string().default('Premium_LRS'),
});

const vmSchema = z.object({
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  name: z.string(),
  location: z.string(),
  osDiskName: z.string(),
});

export const scenarioSchema = z.object({
  providerTenantId: z.string(),
  tenants: z.array(tenantSchema),
  applications: z.array(applicationSchema).default([]),
  subscriptions: z.array(subscriptionSchema).default([]),
  roleAssignments: z.array(roleAssignmentSchema).default([]),
  /** App roles of a resource app assigned to a client app's service principal in a tenant (Graph appRoleAssignedTo). */
  appRoleAssignments: z.array(z.object({ tenantId: z.string(), clientAppId: z.string(), resourceAppId: z.string(), role: z.string() })).default([]),
  userAssignedIdentities: z.array(uamiSchema).default([]),
  vaults: z.array(vaultSchema).default([]),
  managedHsms: z.array(managedHsmSchema).default([]),
  disks: z.array(diskSchema).default([]),
  virtualMachines: z.array(vmSchema).default([]),
  /**
   * Client ids of the user-assigned identities attached to the App Service that runs the product (the host whose
   * IDENTITY_HEADER appEnv() hands out). Absent = every identity this scenario seeds in the provider tenant.
   */
  hostIdentities: z.array(z.string()).optional(),
});

export type Scenario = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;

export function userObjectId(upn: string): string {
  return stableGuid('user', upn.toLowerCase());
}

export function servicePrincipalObjectId(appId: string, tenantId: string): string {
  return stableGuid('servicePrincipal', appId, tenantId);
}

export const BUILTIN_ROLES = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  keyVaultCryptoOfficer: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
  keyVaultCryptoServiceEncryptionUser: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424',
  keyVaultContributor: 'f25e0fa2-8f0e-4bc4-a8b0-6b9f2bbd1d41',
  managedIdentityOperator: 'f1a07417-d97a-45cb-824c-7a7467783830',
} as const;

/**
 * Managed HSM local RBAC built-in roles (learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles).
 * Their definitions live on each pool's data plane (hsm.ts), not in ARM.
 */
export const HSM_ROLES = {
  administrator: 'a290e904-7015-4bba-90c8-60543313cdb4',
  cryptoOfficer: '515eb02d-2335-4d2d-92f2-b1cbdf9c3778',
  cryptoUser: '21dbd100-6940-42c2-9190-5d6cb909625b',
  policyAdministrator: '4bd23610-cdcf-4971-bdee-bdc562cc28e4',
  cryptoAuditor: '2c18b078-7c48-4d3a-af88-5a3a1b3f82b3',
  cryptoServiceEncryptionUser: '33413926-3206-4cdd-b39a-83574fe37a17',
  cryptoServiceReleaseUser: '21dbd100-6940-42c2-9190-5d6cb909625c',
  backup: '7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8',
  restore: '6efe6056-5259-49d2-8b3d-d3d73544b20b',
} as const;

const PROVIDER_TENANT = '11111111-1111-4111-8111-111111111111';
const PROVIDER_SUBSCRIPTION = '44444444-4444-4444-8444-444444444444';
const PROVIDER_RG = 'cmk-provider-rg';
const PORTAL_CLIENT_ID = '22222222-2222-4222-8222-222222222222';
const CMK_APP_CLIENT_ID = '33333333-3333-4333-8333-333333333333';
const UAMI_NAME = 'cmk-des-identity';

interface CustomerSeed {
  tenantId: string;
  displayName: string;
  domain: string;
  subscriptionId: string;
  resourceGroup: string;
  vaultName: string;
  keyName: string;
  location: string;
}

const CUSTOMERS = {
  contoso: {
    tenantId: 'aaaaaaaa-0000-4000-8000-00000000000a', displayName: 'Contoso Ltd', domain: 'contoso.example',
    subscriptionId: 'aaaaaaaa-5555-4555-8555-00000000000a', resourceGroup: 'contoso-keys-rg',
    vaultName: 'contoso-cmk-kv', keyName: 'disk-key', location: 'westeurope',
  },
  fabrikam: {
    tenantId: 'bbbbbbbb-0000-4000-8000-00000000000b', displayName: 'Fabrikam Inc', domain: 'fabrikam.example',
    subscriptionId: 'bbbbbbbb-5555-4555-8555-00000000000b', resourceGroup: 'fabrikam-keys-rg',
    vaultName: 'fabrikam-kv', keyName: 'disk-key', location: 'westeurope',
  },
  northwind: {
    tenantId: 'cccccccc-0000-4000-8000-00000000000c', displayName: 'Northwind Traders', domain: 'northwind.example',
    subscriptionId: 'cccccccc-5555-4555-8555-00000000000c', resourceGroup: 'northwind-keys-rg',
    vaultName: 'northwind-kv', keyName: 'disk-key', location: 'australiaeast',
  },
} as const satisfies Record<string, CustomerSeed>;

/** The customer that keeps its keys in a Managed HSM pool (no vault). */
const HSM_CUSTOMER = {
  tenantId: 'dddddddd-0000-4000-8000-00000000000d', displayName: 'Woodgrove Bank', domain: 'woodgrove.example',
  subscriptionId: 'dddddddd-5555-4555-8555-00000000000d', resourceGroup: 'woodgrove-hsm-rg',
  hsmName: 'woodgrove-hsm', keyName: 'disk-key', location: 'westeurope',
} as const;

/** Ids of the default seed, for tests and the demo to refer to by name. */
export const SIM = {
  providerTenantId: PROVIDER_TENANT,
  providerTenantName: 'Skyline Data (provider)',
  portalClientId: PORTAL_CLIENT_ID,
  portalClientSecret: 'sim-portal-secret',
  portalApiScope: `api://${PORTAL_CLIENT_ID}/access_as_user`,
  cmkAppClientId: CMK_APP_CLIENT_ID,
  providerSubscriptionId: PROVIDER_SUBSCRIPTION,
  providerResourceGroup: PROVIDER_RG,
  desRegions: ['westeurope', 'northeurope'],
  uami: {
    name: UAMI_NAME,
    clientId: '55555555-5555-4555-8555-555555555555',
    principalId: '66666666-6666-4666-8666-666666666666',
    resourceId: `/subscriptions/${PROVIDER_SUBSCRIPTION}/resourceGroups/${PROVIDER_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${UAMI_NAME}`,
  },
  cmkFicName: 'cmk-des-identity-fic',
  portalFicName: 'cmk-portal-identity-fic',
  disks: ['app-data-disk-1', 'app-data-disk-2', 'vm-app-1-osdisk', 'vm-app-2-osdisk'],
  virtualMachines: ['vm-app-1', 'vm-app-2'],
  customers: CUSTOMERS,
  hsmCustomer: HSM_CUSTOMER,
  /**
   * Contoso's own pipeline app (client credentials): Owner and Key Vault Crypto Officer on Contoso's subscription, Graph Application.Read.All and
   * AppRoleAssignment.ReadWrite.All, and no app role of the portal until one is assigned through Graph.
   */
  contosoPipeline: { clientId: 'aaaaaaaa-7777-4777-8777-00000000000a', secret: 'sim-contoso-pipeline-secret' },
  /**
   * Woodgrove's pipeline app (client credentials): holds the portal's Customer.Automation app role, and Managed HSM
   * Administrator and Crypto User in its pool's local RBAC, as its Terraform would need to grant and read keys.
   */
  woodgrovePipeline: { clientId: 'dddddddd-7777-4777-8777-00000000000d', secret: 'sim-woodgrove-pipeline-secret' },
  /** The provider's own automation app, assigned the portal's Operator and Support app roles. */
  staffAutomation: { clientId: '11111111-7777-4777-8777-000000000001', secret: 'sim-staff-automation-secret' },
} as const;

interface PersonaSeed {
  tenantId: string;
  homeTenantId?: string;
  upn: string;
  displayName: string;
  directoryRoles: string[];
  appRoles: string[];
  description: string;
}

function persona(tenantId: string, upn: string, displayName: string, description: string,
  extra: Partial<Pick<PersonaSeed, 'directoryRoles' | 'appRoles' | 'homeTenantId'>> = {}): PersonaSeed & { oid: string } {
  return { tenantId, upn, displayName, description, directoryRoles: extra.directoryRoles ?? [],
    appRoles: extra.appRoles ?? [], oid: userObjectId(upn), ...(extra.homeTenantId && { homeTenantId: extra.homeTenantId }) };
}

export const PERSONAS = {
  operator: persona(PROVIDER_TENANT, 'operator@skyline.example', 'Olivia Operator', 'portal app role Operator', { appRoles: ['Operator'] }),
  support: persona(PROVIDER_TENANT, 'support@skyline.example', 'Sam Support', 'portal app role Support', { appRoles: ['Support'] }),
  approver: persona(PROVIDER_TENANT, 'approver@skyline.example', 'Alex Approver', 'portal app role SupportApprover', { appRoles: ['SupportApprover'] }),
  support2: persona(PROVIDER_TENANT, 'support2@skyline.example', 'Sasha Support', 'portal app role Support', { appRoles: ['Support'] }),
  providerNoRole: persona(PROVIDER_TENANT, 'norole@skyline.example', 'Nico Norole', 'no app role'),
  auditor: persona(PROVIDER_TENANT, 'auditor@skyline.example', 'Ada Auditor', 'portal app role AuditReader', { appRoles: ['AuditReader'] }),
  // Contoso has assigned the portal's customer app roles; Fabrikam and Northwind have not (their Global
  // Administrators count as Customer.Admin through the wids claim).
  contosoAdmin: persona(CUSTOMERS.contoso.tenantId, 'admin@contoso.example', 'Connie Admin', 'Global Administrator; Owner on the subscription; app role Customer.Admin', { directoryRoles: ['Global Administrator'], appRoles: ['Customer.Admin'] }),
  contosoKeyAdmin: persona(CUSTOMERS.contoso.tenantId, 'keyadmin@contoso.example', 'Kim Keyadmin', 'Key Vault Contributor + Crypto Officer, cannot assign roles; app role Customer.Admin', { appRoles: ['Customer.Admin'] }),
  contosoUser: persona(CUSTOMERS.contoso.tenantId, 'user@contoso.example', 'Una User', 'no roles'),
  contosoReader: persona(CUSTOMERS.contoso.tenantId, 'reader@contoso.example', 'Rey Reader', 'app role Customer.Reader', { appRoles: ['Customer.Reader'] }),
  contosoGuest: persona(CUSTOMERS.contoso.tenantId, 'guest_fabrikam.example#EXT#@contoso.example', 'Gil Guest', 'B2B guest from Fabrikam; app role Customer.Admin', { appRoles: ['Customer.Admin'], homeTenantId: CUSTOMERS.fabrikam.tenantId }),
  fabrikamAdmin: persona(CUSTOMERS.fabrikam.tenantId, 'admin@fabrikam.example', 'Fay Admin', 'Global Administrator; Owner on the subscription', { directoryRoles: ['Global Administrator'] }),
  northwindAdmin: persona(CUSTOMERS.northwind.tenantId, 'admin@northwind.example', 'Ned Admin', 'Global Administrator; Owner on the subscription', { directoryRoles: ['Global Administrator'] }),
  woodgroveAdmin: persona(HSM_CUSTOMER.tenantId, 'admin@woodgrove.example', 'Wanda Admin', 'Global Administrator; Owner on the subscription; Managed HSM Administrator and Crypto User on the pool', { directoryRoles: ['Global Administrator'] }),
} as const;

export type PersonaName = keyof typeof PERSONAS;

function tenantUsers(tenantId: string): Scenario['tenants'][number]['users'] {
  return Object.values(PERSONAS).filter((p) => p.tenantId === tenantId).map((p) => ({
    upn: p.upn, displayName: p.displayName, id: p.oid, directoryRoles: p.directoryRoles, appRoles: p.appRoles, description: p.description,
    ...('homeTenantId' in p && p.homeTenantId && { homeTenantId: p.homeTenantId }),
  }));
}

/** Entra ignores the port of http://localhost redirect URIs, and so does the simulator. */
const local = (paths: string[]) => paths.map((p) => `http://localhost:3000${p}`);
/** Where the browser's MSAL lands after sign-in: redeemed cross-origin with PKCE, so registered as SPA. */
const SIGN_IN_REDIRECT_URIS = local(['/', '/redirect', '/auth/callback']);
/** Where Entra sends an admin back after consent (no code to redeem in the browser): Web. The CMK app has only Web URIs. */
const WEB_REDIRECT_URIS = local(['/api/auth/callback', '/onboarding/consent/callback', '/api/consent/callback', '/consent/callback']);

/**
 * The portal's requiredResourceAccess: its own API, and the Azure APIs it calls on behalf of the signed-in admin
 * (ARM and Key Vault `user_impersonation`; Graph `User.Read`, which app registrations carry by default).
 */
export const PORTAL_DELEGATED_PERMISSIONS = [
  { resource: `api://${PORTAL_CLIENT_ID}`, scopes: ['access_as_user'] },
  { resource: 'https://management.azure.com', scopes: ['user_impersonation'] },
  { resource: 'https://vault.azure.net', scopes: ['user_impersonation'] },
  { resource: 'https://managedhsm.azure.net', scopes: ['user_impersonation'] },
  { resource: 'https://graph.microsoft.com', scopes: ['User.Read'] },
];

const subScope = (id: string) => `/subscriptions/${id}`;

/**
 * The default seed. `issuerBase` is the simulator origin: the FIC issuer must name the
 * managed-identity issuer of the provider tenant, which depends on the port.
 */
export function defaultScenario(issuerBase: string): Scenario {
  const customerEntries = Object.values(CUSTOMERS) as CustomerSeed[];
  const admins = [PERSONAS.contosoAdmin, PERSONAS.fabrikamAdmin, PERSONAS.northwindAdmin, PERSONAS.woodgroveAdmin];
  const subscriptionOf = (tenantId: string) => tenantId === HSM_CUSTOMER.tenantId ? HSM_CUSTOMER.subscriptionId
    : customerEntries.find((c) => c.tenantId === tenantId)!.subscriptionId;
  return {
    providerTenantId: PROVIDER_TENANT,
    tenants: [
      { id: PROVIDER_TENANT, displayName: SIM.providerTenantName, domain: 'skyline.example', users: tenantUsers(PROVIDER_TENANT) },
      ...customerEntries.map((c) => ({ id: c.tenantId, displayName: c.displayName, domain: c.domain, users: tenantUsers(c.tenantId) })),
      { id: HSM_CUSTOMER.tenantId, displayName: HSM_CUSTOMER.displayName, domain: HSM_CUSTOMER.domain, users: tenantUsers(HSM_CUSTOMER.tenantId) },
    ],
    applications: [
      {
        appId: PORTAL_CLIENT_ID, displayName: 'CMK Portal', homeTenantId: PROVIDER_TENANT, clientSecret: SIM.portalClientSecret,
        spaRedirectUris: SIGN_IN_REDIRECT_URIS, redirectUris: WEB_REDIRECT_URIS, apiScopes: ['access_as_user'],
        appRoles: ['Operator', 'Support', 'SupportApprover', 'AuditReader', 'Customer.Admin', 'Customer.Reader', 'Customer.Automation'], requestedAccessTokenVersion: 2,
        // As lib/provider-setup/desired.ts: pipelines hold Customer.Automation, the provider's automation staff roles.
        applicationAppRoles: ['Customer.Automation', 'Operator', 'Support'],
        // As lib/provider-setup/desired.ts configures the registration: wids (directory roles) and acct/auth_time/acrs.
        groupMembershipClaims: 'DirectoryRole',
        optionalClaims: { idToken: ['acct', 'auth_time'], accessToken: ['acct', 'auth_time', 'acrs'] },
        requiredResourceAccess: PORTAL_DELEGATED_PERMISSIONS, servicePrincipalTenants: 'all',
        // Production has no secret: on-behalf-of authenticates the portal with the provider UAMI's token instead.
        federatedIdentityCredentials: [{
          name: SIM.portalFicName, issuer: `${issuerBase}/${PROVIDER_TENANT}/v2.0`, subject: SIM.uami.principalId,
          audiences: ['api://AzureADTokenExchange'], description: 'Provider UAMI as the portal app\'s client credential (on-behalf-of)',
        }],
      },
      {
        appId: CMK_APP_CLIENT_ID, displayName: 'Skyline CMK Access', homeTenantId: PROVIDER_TENANT,
        // No Graph application permission: it reads only its own service principal and application, which needs none.
        redirectUris: [...SIGN_IN_REDIRECT_URIS, ...WEB_REDIRECT_URIS],
        federatedIdentityCredentials: [{
          name: SIM.cmkFicName, issuer: `${issuerBase}/${PROVIDER_TENANT}/v2.0`, subject: SIM.uami.principalId,
          audiences: ['api://AzureADTokenExchange'], description: 'Provider UAMI used by disk encryption sets',
        }],
      },
      { appId: SIM.contosoPipeline.clientId, displayName: 'Contoso Deployment Pipeline', homeTenantId: CUSTOMERS.contoso.tenantId,
        clientSecret: SIM.contosoPipeline.secret, graphApplicationPermissions: ['Application.Read.All', 'AppRoleAssignment.ReadWrite.All'] },
      { appId: SIM.woodgrovePipeline.clientId, displayName: 'Woodgrove Deployment Pipeline', homeTenantId: HSM_CUSTOMER.tenantId, clientSecret: SIM.woodgrovePipeline.secret },
      { appId: SIM.staffAutomation.clientId, displayName: 'Skyline Operations Automation', homeTenantId: PROVIDER_TENANT, clientSecret: SIM.staffAutomation.secret },
    ],
    appRoleAssignments: [
      ...['Operator', 'Support'].map((role) => ({ tenantId: PROVIDER_TENANT, clientAppId: SIM.staffAutomation.clientId, resourceAppId: PORTAL_CLIENT_ID, role })),
      { tenantId: HSM_CUSTOMER.tenantId, clientAppId: SIM.woodgrovePipeline.clientId, resourceAppId: PORTAL_CLIENT_ID, role: 'Customer.Automation' },
    ],
    subscriptions: [
      { id: PROVIDER_SUBSCRIPTION, tenantId: PROVIDER_TENANT, displayName: 'Skyline Production',
        resourceGroups: [{ name: PROVIDER_RG, location: 'westeurope' }] },
      ...customerEntries.map((c) => ({ id: c.subscriptionId, tenantId: c.tenantId, displayName: `${c.displayName} Production`,
        resourceGroups: [{ name: c.resourceGroup, location: c.location }] })),
      { id: HSM_CUSTOMER.subscriptionId, tenantId: HSM_CUSTOMER.tenantId, displayName: `${HSM_CUSTOMER.displayName} Production`,
        resourceGroups: [{ name: HSM_CUSTOMER.resourceGroup, location: HSM_CUSTOMER.location }] },
    ],
    roleAssignments: [
      { scope: subScope(PROVIDER_SUBSCRIPTION), roleDefinitionId: BUILTIN_ROLES.contributor, principalId: SIM.uami.principalId, principalType: 'ServicePrincipal' },
      { scope: subScope(PROVIDER_SUBSCRIPTION), roleDefinitionId: BUILTIN_ROLES.contributor,
        principalId: servicePrincipalObjectId(PORTAL_CLIENT_ID, PROVIDER_TENANT), principalType: 'ServicePrincipal' },
      ...admins.map((admin) => ({
        scope: subScope(subscriptionOf(admin.tenantId)),
        roleDefinitionId: BUILTIN_ROLES.owner, principalId: admin.oid, principalType: 'User' as const,
      })),
      { scope: subScope(CUSTOMERS.contoso.subscriptionId), roleDefinitionId: BUILTIN_ROLES.keyVaultContributor, principalId: PERSONAS.contosoKeyAdmin.oid },
      // Owner assigns roles; on an RBAC vault even Owner needs a Key Vault data role for keys (as contosoKeyAdmin has).
      ...[BUILTIN_ROLES.owner, BUILTIN_ROLES.keyVaultCryptoOfficer].map((roleDefinitionId) => ({ scope: subScope(CUSTOMERS.contoso.subscriptionId), roleDefinitionId,
        principalId: servicePrincipalObjectId(SIM.contosoPipeline.clientId, CUSTOMERS.contoso.tenantId), principalType: 'ServicePrincipal' as const })),
      { scope: subScope(CUSTOMERS.contoso.subscriptionId), roleDefinitionId: BUILTIN_ROLES.keyVaultCryptoOfficer, principalId: PERSONAS.contosoKeyAdmin.oid },
    ],
    userAssignedIdentities: [{ subscriptionId: PROVIDER_SUBSCRIPTION, resourceGroup: PROVIDER_RG, name: UAMI_NAME, location: 'westeurope',
      clientId: SIM.uami.clientId, principalId: SIM.uami.principalId }],
    vaults: [
      { subscriptionId: CUSTOMERS.contoso.subscriptionId, resourceGroup: CUSTOMERS.contoso.resourceGroup, name: CUSTOMERS.contoso.vaultName,
        location: 'westeurope', enableRbacAuthorization: true, enablePurgeProtection: true,
        keys: [{ name: CUSTOMERS.contoso.keyName, kty: 'RSA', keySize: 3072 }] },
      { subscriptionId: CUSTOMERS.fabrikam.subscriptionId, resourceGroup: CUSTOMERS.fabrikam.resourceGroup, name: CUSTOMERS.fabrikam.vaultName,
        location: 'westeurope', enableRbacAuthorization: false, enablePurgeProtection: false,
        accessPolicies: [{ tenantId: CUSTOMERS.fabrikam.tenantId, objectId: PERSONAS.fabrikamAdmin.oid,
          permissions: { keys: ['get', 'list', 'create', 'update', 'delete', 'rotate', 'getrotationpolicy', 'setrotationpolicy', 'wrapKey', 'unwrapKey'] } }],
        keys: [{ name: CUSTOMERS.fabrikam.keyName, kty: 'RSA', keySize: 2048 }] },
      { subscriptionId: CUSTOMERS.northwind.subscriptionId, resourceGroup: CUSTOMERS.northwind.resourceGroup, name: CUSTOMERS.northwind.vaultName,
        location: 'australiaeast', enableRbacAuthorization: true, enablePurgeProtection: true,
        keys: [{ name: CUSTOMERS.northwind.keyName, kty: 'RSA', keySize: 3072 }] },
    ],
    managedHsms: [
      { subscriptionId: HSM_CUSTOMER.subscriptionId, resourceGroup: HSM_CUSTOMER.resourceGroup, name: HSM_CUSTOMER.hsmName,
        location: HSM_CUSTOMER.location, initialAdminObjectIds: [PERSONAS.woodgroveAdmin.oid],
        roleAssignments: [
          { scope: '/', roleDefinitionId: HSM_ROLES.administrator, principalId: PERSONAS.woodgroveAdmin.oid },
          { scope: '/', roleDefinitionId: HSM_ROLES.cryptoUser, principalId: PERSONAS.woodgroveAdmin.oid },
          ...[HSM_ROLES.administrator, HSM_ROLES.cryptoUser].map((roleDefinitionId) => ({ scope: '/', roleDefinitionId,
            principalId: servicePrincipalObjectId(SIM.woodgrovePipeline.clientId, HSM_CUSTOMER.tenantId) })),
        ],
        keys: [{ name: HSM_CUSTOMER.keyName, kty: 'RSA-HSM', keySize: 3072 }] },
    ],
    disks: SIM.disks.map((name) => ({ subscriptionId: PROVIDER_SUBSCRIPTION, resourceGroup: PROVIDER_RG, name, location: 'westeurope' })),
    virtualMachines: SIM.virtualMachines.map((name) => ({ subscriptionId: PROVIDER_SUBSCRIPTION, resourceGroup: PROVIDER_RG, name,
      location: 'westeurope', osDiskName: `${name}-osdisk` })),
  };
}
