/**
 * Microsoft Graph v1.0 application writes: create and update app registrations, add a password, create
 * service principals, and the ownership rule `Application.ReadWrite.OwnedBy` puts on every write
 * (federated credential writes included, which graph.ts then performs). Reads stay in graph.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { authenticateSimple } from './auth';
import { GRAPH_AUDIENCES, type SimContext } from './context';
import { json, jsonBody, serviceError, type SimRequest, type SimResponse } from './http';
import type { Application, GraphRegistration } from './state';
import type { Claims } from './tokens';

const graphError = (status: number, code: string, message: string) => serviceError('graph', status, code, message);
const forbidden = () => graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

/** Directory roles that may change any application in delegated calls. */
const APP_ADMIN_ROLES = ['Global Administrator', 'Application Administrator', 'Cloud Application Administrator'];

/**
 * Permission ids the simulator can translate into the resource URIs and names its token logic uses
 * (Azure Service Management and Key Vault user_impersonation, Graph User.Read and Graph's application permissions).
 */
const KNOWN_RESOURCES: Record<string, { resource: string; scopes: Record<string, string>; roles: Record<string, string> }> = {
  '797f4846-ba00-4fd7-ba43-dac1f8f63013': { resource: 'https://management.azure.com', scopes: { '41094075-9dad-400e-a0bd-54e686782033': 'user_impersonation' }, roles: {} },
  'cfa8b339-82a2-471a-a3c9-0fc0be7a4093': { resource: 'https://vault.azure.net', scopes: { 'f53da476-18e3-4152-8e01-aec403e6edc0': 'user_impersonation' }, roles: {} },
  '00000003-0000-0000-c000-000000000000': {
    resource: 'https://graph.microsoft.com',
    scopes: { 'e1fe6dd8-ba31-4d61-89e7-88639da4683d': 'User.Read' },
    roles: { '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30': 'Application.Read.All', '18a4783c-866b-4cc7-a460-3d5e5662c884': 'Application.ReadWrite.OwnedBy',
      '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9': 'Application.ReadWrite.All' },
  },
};

const SIGN_IN_AUDIENCES = ['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ApplicationInput {
  displayName?: string; signInAudience?: string; identifierUris?: string[];
  api?: { requestedAccessTokenVersion?: number | null; oauth2PermissionScopes?: Partial<GraphRegistration['scopes'][number]>[] };
  appRoles?: Partial<GraphRegistration['appRoles'][number]>[];
  web?: { redirectUris?: string[] }; spa?: { redirectUris?: string[] };
  requiredResourceAccess?: { resourceAppId?: string; resourceAccess?: { id?: string; type?: string }[] }[];
  groupMembershipClaims?: string | null;
  optionalClaims?: { idToken?: { name?: string }[]; accessToken?: { name?: string }[]; saml2Token?: { name?: string }[] } | null;
}

/** groupMembershipClaims values Graph accepts (learn.microsoft.com/graph/api/resources/application). */
const GROUP_MEMBERSHIP_CLAIMS = ['None', 'SecurityGroup', 'DirectoryRole', 'ApplicationGroup', 'All'];

type Invalid = { error: SimResponse };

/** `optionalClaims` as Graph shows it: null when none is configured. */
export function graphOptionalClaims(app: Application): Record<string, unknown> | null {
  const { idToken, accessToken } = app.optionalClaims;
  if (idToken.length === 0 && accessToken.length === 0) return null;
  const entries = (names: string[]) => names.map((name) => ({ name, source: null, essential: false, additionalProperties: [] }));
  return { idToken: entries(idToken), accessToken: entries(accessToken), saml2Token: [] };
}

/** The Graph view of a registration written through Graph; {} for seeded apps (graph.ts describes those). */
export function registrationEntity(app: Application): Record<string, unknown> {
  const r = app.registration;
  if (!r) return {};
  return {
    signInAudience: r.signInAudience, identifierUris: r.identifierUris,
    api: { requestedAccessTokenVersion: app.requestedAccessTokenVersion, acceptMappedClaims: null, knownClientApplications: [],
      oauth2PermissionScopes: r.scopes, preAuthorizedApplications: [] },
    appRoles: r.appRoles.map((role) => ({ ...role, origin: 'Application' })),
    requiredResourceAccess: r.requiredResourceAccess,
    web: { redirectUris: app.redirectUris, homePageUrl: null, logoutUrl: null, implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
    spa: { redirectUris: app.spaRedirectUris },
    groupMembershipClaims: app.groupMembershipClaims, optionalClaims: graphOptionalClaims(app),
    passwordCredentials: r.passwordCredentials.map((p) => ({ ...p, customKeyIdentifier: null, secretText: null })),
  };
}

export function handleGraphWrites(ctx: SimContext, req: SimRequest): SimResponse | undefined {
  if (req.method === 'GET') return undefined;
  const path = decodeURIComponent(req.path.replace(/^\/graph\/v1\.0/, '').replace(/\/$/, ''));
  const appMatch = /^\/applications(?:\/([0-9a-f-]{36})|\(appId='([^']+)'\))(\/addPassword|\/federatedIdentityCredentials(?:\/[^/]+)?)?$/i.exec(path);
  const isCreateApp = path === '/applications' && req.method === 'POST';
  const isCreateSp = path === '/servicePrincipals' && req.method === 'POST';
  const deleteSp = req.method === 'DELETE' ? /^\/servicePrincipals\/([0-9a-f-]{36})$/i.exec(path) : null;
  if (!appMatch && !isCreateApp && !isCreateSp && !deleteSp) return undefined;
  const auth = authenticateSimple(ctx, req, 'graph', GRAPH_AUDIENCES);
  if (!auth.ok) return auth.response;
  const claims = auth.claims;
  if (isCreateApp) return createApplication(ctx, claims, req);
  if (isCreateSp) return createServicePrincipal(ctx, claims, req);
  if (deleteSp?.[1]) return deleteServicePrincipal(ctx, claims, deleteSp[1]);
  const app = [...ctx.state.applications.values()].find((a) => a.homeTenantId === claims.tid
    && (appMatch?.[1] ? a.objectId === appMatch[1] : a.appId === appMatch?.[2]));
  // Missing apps and read-only callers: graph.ts answers (404 or 403) as for any other request.
  if (!app) return undefined;
  if (!mayWrite(ctx, claims, app)) return forbidden();
  const sub = appMatch?.[3]?.toLowerCase();
  if (sub?.startsWith('/federatedidentitycredentials')) return undefined;
  if (sub === '/addpassword' && req.method === 'POST') return addPassword(app, req);
  if (!sub && req.method === 'PATCH') return updateApplication(app, req);
  return undefined;
}

/**
 * Delegated: the `Application.ReadWrite.All` scope, and the user owns the app or holds an application admin role.
 * App-only: `Application.ReadWrite.All`, or `Application.ReadWrite.OwnedBy` for apps the caller owns (or creates).
 */
function mayWrite(ctx: SimContext, claims: Claims, app: Application | undefined): boolean {
  const owners = app ? (app.registration?.owners ?? []) : [claims.oid];
  if (claims.idtyp === 'app') {
    const roles = claims.roles ?? [];
    return roles.includes('Application.ReadWrite.All') || (roles.includes('Application.ReadWrite.OwnedBy') && owners.includes(claims.oid));
  }
  const scopes = (claims.scp ?? '').split(' ');
  if (!scopes.includes('Application.ReadWrite.All')) return false;
  const user = ctx.state.users.get(claims.oid);
  return owners.includes(claims.oid) || (user?.directoryRoles ?? []).some((r) => APP_ADMIN_ROLES.includes(r));
}

/** Directory roles that may delete a service principal with a delegated token (Graph "Delete servicePrincipal"). */
const SP_DELETE_ROLES = [...APP_ADMIN_ROLES, 'Hybrid Identity Administrator'];

/**
 * `DELETE /servicePrincipals/{id}` (the enterprise app): delegated needs the Application.ReadWrite.All or
 * Directory.ReadWrite.All scope and one of SP_DELETE_ROLES; app-only Application.ReadWrite.All, Directory.ReadWrite.All,
 * or Application.ReadWrite.OwnedBy for its own. Its delegated grants go with it; role assignments stay (orphaned).
 */
function deleteServicePrincipal(ctx: SimContext, claims: Claims, id: string): SimResponse {
  const sp = [...ctx.state.servicePrincipals.values()].find((s) => s.id === id && s.tenantId === claims.tid);
  const scopes = (claims.scp ?? '').split(' ');
  const roles = claims.roles ?? [];
  const allowed = claims.idtyp === 'app'
    ? roles.includes('Application.ReadWrite.All') || roles.includes('Directory.ReadWrite.All') || (roles.includes('Application.ReadWrite.OwnedBy') && sp?.appId === claims.appid)
    : (scopes.includes('Application.ReadWrite.All') || scopes.includes('Directory.ReadWrite.All'))
      && (ctx.state.users.get(claims.oid)?.directoryRoles ?? []).some((r) => SP_DELETE_ROLES.includes(r));
  if (!allowed) return forbidden();
  if (!sp) return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  ctx.state.revokeDelegated(sp.appId, sp.tenantId);
  ctx.state.servicePrincipals.delete(`${sp.tenantId}|${sp.appId}`);
  return { status: 204 };
}

function createApplication(ctx: SimContext, claims: Claims, req: SimRequest): SimResponse {
  if (!mayWrite(ctx, claims, undefined)) return forbidden();
  const input = jsonBody<ApplicationInput>(req);
  if (!input?.displayName) return graphError(400, 'Request_BadRequest', "Property 'displayName' is required.");
  const appId = randomUUID();
  const app: Application = {
    appId, objectId: randomUUID(), displayName: input.displayName, homeTenantId: claims.tid, redirectUris: [], spaRedirectUris: [],
    apiScopes: [], appRoles: [], graphApplicationPermissions: [], requestedAccessTokenVersion: null, optionalClaims: { idToken: [], accessToken: [] }, groupMembershipClaims: null, requiredResourceAccess: [],
    federatedIdentityCredentials: [], createdDateTime: new Date().toISOString(),
    registration: { signInAudience: 'AzureADMyOrg', identifierUris: [], owners: [claims.oid], appRoles: [], scopes: [], requiredResourceAccess: [], passwordCredentials: [] },
  };
  const invalid = applyInput(app, input);
  if (invalid) return invalid.error;
  ctx.state.applications.set(appId, app);
  return json(201, { '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#applications/$entity`, id: app.objectId, appId, displayName: app.displayName,
    createdDateTime: app.createdDateTime, ...registrationEntity(app) });
}

function updateApplication(app: Application, req: SimRequest): SimResponse {
  const input = jsonBody<ApplicationInput>(req);
  if (!input) return graphError(400, 'Request_BadRequest', 'The request body must be a JSON object.');
  // Validate on a copy so a refused PATCH changes nothing.
  const draft: Application = structuredClone(app);
  const invalid = applyInput(draft, input);
  if (invalid) return invalid.error;
  Object.assign(app, draft);
  return { status: 204 };
}

/**
 * Validates and applies the properties present in `input`. Complex properties (`api`, `web`, `spa`) are replaced
 * as sent; an enabled app role or permission scope cannot be removed or changed before it is disabled.
 */
function applyInput(app: Application, input: ApplicationInput): Invalid | undefined {
  const registration = app.registration ?? (app.registration = { signInAudience: 'AzureADMultipleOrgs', identifierUris: [], owners: [],
    appRoles: [], scopes: [], requiredResourceAccess: [], passwordCredentials: [] });
  const bad = (message: string, code = 'Request_BadRequest'): Invalid => ({ error: graphError(400, code, message) });
  if (input.displayName !== undefined) app.displayName = input.displayName;
  if (input.signInAudience !== undefined) {
    if (!SIGN_IN_AUDIENCES.includes(input.signInAudience)) return bad(`Invalid value specified for property 'signInAudience' of resource 'Application'.`);
    registration.signInAudience = input.signInAudience;
  }
  if (input.identifierUris !== undefined) {
    const foreign = input.identifierUris.find((u) => !/^api:\/\/[^/]+/i.test(u));
    if (foreign) return bad(`Values of identifierUris property must use a verified domain of the organization or its subdomain: '${foreign}'`, 'HostNameNotOnVerifiedDomain');
    registration.identifierUris = [...input.identifierUris];
  }
  for (const [platform, uris] of [['web', input.web?.redirectUris], ['spa', input.spa?.redirectUris]] as const) {
    if (uris === undefined) continue;
    const invalidUri = uris.find((u) => !URL.canParse(u) || !(u.startsWith('https://') || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(u)));
    if (invalidUri) return bad(`Invalid value specified for property 'redirectUris' of resource '${platform === 'web' ? 'WebApplication' : 'SpaApplication'}': '${invalidUri}'. Use https, or http only for localhost.`);
    if (platform === 'web') app.redirectUris = [...uris];
    else app.spaRedirectUris = [...uris];
  }
  if (input.appRoles !== undefined) {
    const roles = input.appRoles;
    if (roles.some((r) => !r.id || !GUID.test(r.id) || !r.value || !r.displayName || !r.allowedMemberTypes?.length)) {
      return bad('Each app role needs an id (GUID), value, displayName and allowedMemberTypes.');
    }
    if (new Set(roles.map((r) => r.value)).size !== roles.length) return bad('App role values must be unique.');
    const locked = lockedEntitlement(registration.appRoles, roles);
    if (locked) return bad(`Permission (scope or role) cannot be deleted or updated unless disabled first. ('${locked}')`, 'CannotDeleteOrUpdateEnabledEntitlement');
    registration.appRoles = roles.map((r) => ({ id: r.id ?? '', value: r.value ?? '', displayName: r.displayName ?? '', description: r.description ?? '',
      allowedMemberTypes: r.allowedMemberTypes ?? [], isEnabled: r.isEnabled ?? true }));
    app.appRoles = registration.appRoles.filter((r) => r.isEnabled).map((r) => r.value);
  }
  if (input.api !== undefined) {
    const version = input.api.requestedAccessTokenVersion ?? null;
    if (version !== null && version !== 1 && version !== 2) return bad("Property 'api.requestedAccessTokenVersion' must be 1, 2 or null.");
    const scopes = input.api.oauth2PermissionScopes ?? [];
    if (scopes.some((s) => !s.id || !GUID.test(s.id) || !s.value || !s.adminConsentDisplayName || !s.adminConsentDescription || !['User', 'Admin'].includes(s.type ?? ''))) {
      return bad('Each permission scope needs an id (GUID), value, type (User or Admin), adminConsentDisplayName and adminConsentDescription.');
    }
    const locked = lockedEntitlement(registration.scopes, scopes);
    if (locked) return bad(`Permission (scope or role) cannot be deleted or updated unless disabled first. ('${locked}')`, 'CannotDeleteOrUpdateEnabledEntitlement');
    registration.scopes = scopes.map((s) => ({ id: s.id ?? '', value: s.value ?? '', type: s.type ?? 'User', adminConsentDisplayName: s.adminConsentDisplayName ?? '',
      adminConsentDescription: s.adminConsentDescription ?? '', userConsentDisplayName: s.userConsentDisplayName ?? null,
      userConsentDescription: s.userConsentDescription ?? null, isEnabled: s.isEnabled ?? true }));
    app.requestedAccessTokenVersion = version;
    app.apiScopes = registration.scopes.filter((s) => s.isEnabled).map((s) => s.value);
  }
  if (input.groupMembershipClaims !== undefined) {
    const value = input.groupMembershipClaims;
    if (value !== null && !GROUP_MEMBERSHIP_CLAIMS.includes(value)) return bad(`Invalid value specified for property 'groupMembershipClaims' of resource 'Application': '${value}'.`);
    app.groupMembershipClaims = value === 'None' ? null : value;
  }
  if (input.optionalClaims !== undefined) {
    const names = (claims: { name?: string }[] | undefined) => (claims ?? []).map((c) => c.name ?? '');
    const all = [...names(input.optionalClaims?.idToken), ...names(input.optionalClaims?.accessToken), ...names(input.optionalClaims?.saml2Token)];
    if (all.some((n) => !n)) return bad("Each optional claim needs a name.");
    app.optionalClaims = { idToken: names(input.optionalClaims?.idToken), accessToken: names(input.optionalClaims?.accessToken) };
  }
  if (input.requiredResourceAccess !== undefined) {
    const entries = input.requiredResourceAccess;
    if (entries.some((e) => !e.resourceAppId || !(e.resourceAccess ?? []).every((a) => a.id && ['Scope', 'Role'].includes(a.type ?? '')))) {
      return bad("Each requiredResourceAccess entry needs a resourceAppId and resourceAccess items with an id and type 'Scope' or 'Role'.");
    }
    registration.requiredResourceAccess = entries.map((e) => ({ resourceAppId: e.resourceAppId ?? '', resourceAccess: (e.resourceAccess ?? []).map((a) => ({ id: a.id ?? '', type: a.type ?? '' })) }));
    app.requiredResourceAccess = registration.requiredResourceAccess.flatMap((e) => {
      const known = KNOWN_RESOURCES[e.resourceAppId.toLowerCase()];
      const scopes = e.resourceAccess.filter((a) => a.type === 'Scope').map((a) => known?.scopes[a.id.toLowerCase()]).filter((s): s is string => Boolean(s));
      const resource = known?.resource ?? `api://${e.resourceAppId.toLowerCase()}`;
      return scopes.length > 0 ? [{ resource, scopes }] : [];
    });
    app.graphApplicationPermissions = registration.requiredResourceAccess
      .filter((e) => e.resourceAppId.toLowerCase() === '00000003-0000-0000-c000-000000000000')
      .flatMap((e) => e.resourceAccess.filter((a) => a.type === 'Role').map((a) => KNOWN_RESOURCES['00000003-0000-0000-c000-000000000000']?.roles[a.id.toLowerCase()] ?? a.id));
  }
  return undefined;
}

/**
 * The value of an enabled role or scope that `next` drops or changes, if any: an enabled entry may only come back
 * unchanged, or unchanged but disabled.
 */
function lockedEntitlement<T extends { id: string; value: string; isEnabled: boolean }>(current: T[], next: Partial<T>[]): string | undefined {
  const unchanged = (c: T, n: Partial<T>) => (Object.keys(c) as (keyof T)[]).every((k) => k === 'isEnabled' || (n[k] ?? null) === (c[k] ?? null) || JSON.stringify(n[k]) === JSON.stringify(c[k]));
  return current.find((c) => c.isEnabled && !next.some((n) => n.id === c.id && unchanged(c, n)))?.value;
}

function addPassword(app: Application, req: SimRequest): SimResponse {
  const input = jsonBody<{ passwordCredential?: { displayName?: string; endDateTime?: string } }>(req)?.passwordCredential ?? {};
  const secretText = randomBytes(30).toString('base64url');
  const start = new Date();
  const credential = { keyId: randomUUID(), displayName: input.displayName ?? null, hint: secretText.slice(0, 3), startDateTime: start.toISOString(),
    endDateTime: input.endDateTime ?? new Date(start.getTime() + 2 * 365 * 86400_000).toISOString() };
  app.registration?.passwordCredentials.push(credential);
  // The simulator keeps one usable secret per app: the newest.
  app.clientSecret = secretText;
  return json(200, { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential', customKeyIdentifier: null, secretText, ...credential });
}

function createServicePrincipal(ctx: SimContext, claims: Claims, req: SimRequest): SimResponse {
  const appId = jsonBody<{ appId?: string }>(req)?.appId;
  if (!appId) return graphError(400, 'Request_BadRequest', "Property 'appId' is required.");
  const app = ctx.state.applications.get(appId);
  if (!app) return graphError(400, 'Request_BadRequest', `The appId '${appId}' of the service principal does not reference a valid application object.`);
  if (app.homeTenantId !== claims.tid && app.registration?.signInAudience === 'AzureADMyOrg') {
    return graphError(400, 'Request_BadRequest', `The application '${appId}' is not multitenant and cannot have a service principal in this tenant.`);
  }
  if (!mayWrite(ctx, claims, app.homeTenantId === claims.tid ? app : undefined)) return forbidden();
  if (ctx.state.servicePrincipal(appId, claims.tid)) {
    return graphError(409, 'Request_MultipleObjectsWithSameKeyValue', 'Another object with the same value for property servicePrincipalNames already exists.');
  }
  const sp = ctx.state.addServicePrincipal(appId, claims.tid, false);
  return json(201, { '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#servicePrincipals/$entity`, id: sp.id, appId, displayName: sp.displayName,
    appOwnerOrganizationId: sp.appOwnerOrganizationId, servicePrincipalType: 'Application' });
}
