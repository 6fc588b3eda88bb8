/** Microsoft Graph v1.0 at `/graph/v1.0`: me, organization, service principals, applications and their federated credentials. */
import { randomUUID } from 'node:crypto';
import { authenticateSimple } from './auth';
import { GRAPH_AUDIENCES, type SimContext } from './context';
import { jsonBody, json, serviceError, type SimRequest, type SimResponse } from './http';
import { stableGuid } from './seed';
import type { Application, ServicePrincipal } from './state';
import type { Claims } from './tokens';

/** Azure's limit of federated identity credentials per application. */
export const MAX_APP_FEDERATED_CREDENTIALS = 20;

const READ_DIRECTORY_ROLES = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const WRITE_APPLICATION_ROLES = ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.ReadWrite.All'];

const graphError = (status: number, code: string, message: string) => serviceError('graph', status, code, message);
const forbidden = () => graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

function context(ctx: SimContext, entity: string): string {
  return `${ctx.origin}/graph/v1.0/$metadata#${entity}`;
}

/** App-only tokens need an application permission; delegated tokens read as the signed-in user (members may read the directory). */
function mayRead(claims: Claims): boolean {
  return claims.idtyp !== 'app' || (claims.roles ?? []).some((r) => READ_DIRECTORY_ROLES.includes(r));
}

function servicePrincipalEntity(ctx: SimContext, sp: ServicePrincipal): Record<string, unknown> {
  const app = ctx.state.applications.get(sp.appId);
  return {
    id: sp.id, deletedDateTime: null, accountEnabled: true, alternativeNames: [], appDisplayName: sp.displayName, appDescription: null,
    appId: sp.appId, applicationTemplateId: null, appOwnerOrganizationId: sp.appOwnerOrganizationId, appRoleAssignmentRequired: false,
    createdDateTime: sp.createdDateTime, description: null, endpoints: [],
    publisherName: ctx.state.tenants.get(sp.appOwnerOrganizationId)?.displayName ?? null, disabledByMicrosoftStatus: null, displayName: sp.displayName, homepage: null,
    loginUrl: null, logoutUrl: null, notes: null, notificationEmailAddresses: [], preferredSingleSignOnMode: null, preferredTokenSigningKeyThumbprint: null,
    replyUrls: app?.redirectUris ?? [], servicePrincipalNames: [sp.appId, ...(app?.apiScopes.length ? [`api://${sp.appId}`] : [])],
    servicePrincipalType: 'Application', signInAudience: 'AzureADMultipleOrgs', tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    tokenEncryptionKeyId: null, info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    samlSingleSignOnSettings: null, addIns: [], appRoles: (app?.appRoles ?? []).map((value) => appRole(sp.appId, value)), keyCredentials: [],
    oauth2PermissionScopes: (app?.apiScopes ?? []).map((value) => permissionScope(sp.appId, value)), passwordCredentials: [],
    resourceSpecificApplicationPermissions: [], verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
}

function appRole(appId: string, value: string): Record<string, unknown> {
  return { allowedMemberTypes: ['User'], description: value, displayName: value, id: stableGuid(appId, value), isEnabled: true, origin: 'Application', value };
}

function permissionScope(appId: string, value: string): Record<string, unknown> {
  return { adminConsentDescription: value, adminConsentDisplayName: value, id: stableGuid(appId, `scope:${value}`), isEnabled: true, type: 'User',
    userConsentDescription: value, userConsentDisplayName: value, value };
}

function applicationEntity(app: Application): Record<string, unknown> {
  return {
    id: app.objectId, appId: app.appId, displayName: app.displayName, createdDateTime: app.createdDateTime, signInAudience: 'AzureADMultipleOrgs',
    identifierUris: app.apiScopes.length ? [`api://${app.appId}`] : [], publisherDomain: null, web: { redirectUris: app.redirectUris },
    appRoles: app.appRoles.map((v) => appRole(app.appId, v)), api: { oauth2PermissionScopes: app.apiScopes.map((v) => permissionScope(app.appId, v)) },
  };
}

function ficEntity(fic: Application['federatedIdentityCredentials'][number]): Record<string, unknown> {
  return { id: fic.id, name: fic.name, issuer: fic.issuer, subject: fic.subject, audiences: fic.audiences, description: fic.description ?? null };
}

export function handleGraph(ctx: SimContext, req: SimRequest): SimResponse {
  const auth = authenticateSimple(ctx, req, 'graph', GRAPH_AUDIENCES);
  if (!auth.ok) return auth.response;
  const claims = auth.claims;
  const path = decodeURIComponent(req.path.replace(/^\/graph\/v1\.0/, '').replace(/\/$/, ''));
  const state = ctx.state;
  const tenant = state.tenants.get(claims.tid);
  if (!tenant) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Unknown tenant.');

  if (path === '/me' && req.method === 'GET') {
    const user = state.users.get(claims.oid);
    if (!user) return graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    return json(200, { '@odata.context': context(ctx, 'users/$entity'), businessPhones: [], displayName: user.displayName, givenName: user.displayName.split(' ')[0],
      jobTitle: null, mail: user.upn, mobilePhone: null, officeLocation: null, preferredLanguage: 'en-US', surname: user.displayName.split(' ').slice(1).join(' '),
      userPrincipalName: user.upn, id: user.id });
  }
  if (path === '/organization' && req.method === 'GET') {
    return json(200, { '@odata.context': context(ctx, 'organization'), value: [{
      id: tenant.id, deletedDateTime: null, businessPhones: [], city: null, country: null, countryLetterCode: 'NL', createdDateTime: tenant.createdDateTime,
      defaultUsageLocation: 'NL', displayName: tenant.displayName, isMultipleDataLocationsForServicesEnabled: null, marketingNotificationEmails: [],
      onPremisesLastSyncDateTime: null, onPremisesSyncEnabled: null, partnerTenantType: null, postalCode: null, preferredLanguage: 'en',
      securityComplianceNotificationMails: [], securityComplianceNotificationPhones: [], state: null, street: null, technicalNotificationMails: [],
      tenantType: 'AAD', directorySizeQuota: { used: state.users.size, total: 50000 }, assignedPlans: [], privacyProfile: { contactEmail: '', statementUrl: '' },
      provisionedPlans: [], verifiedDomains: [{ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: tenant.domain, type: 'Managed' }],
    }] });
  }
  const sps = [...state.servicePrincipals.values()].filter((sp) => sp.tenantId === tenant.id);
  if (path === '/servicePrincipals' && req.method === 'GET') {
    if (!mayRead(claims)) return forbidden();
    const filter = req.url.searchParams.get('$filter');
    let value = sps;
    if (filter) {
      const appId = /^appId eq '([^']*)'$/i.exec(filter.trim())?.[1];
      if (appId === undefined) return graphError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property 'appId' of resource 'ServicePrincipal'. (simulator supports appId eq '...')`);
      value = sps.filter((sp) => sp.appId === appId);
    }
    return json(200, { '@odata.context': context(ctx, 'servicePrincipals'), value: value.map((sp) => servicePrincipalEntity(ctx, sp)) });
  }
  const spMatch = /^\/servicePrincipals(?:\/([0-9a-f-]{36})|\(appId='([^']+)'\))$/i.exec(path);
  if (spMatch && req.method === 'GET') {
    if (!mayRead(claims)) return forbidden();
    const sp = sps.find((s) => (spMatch[1] ? s.id === spMatch[1] : s.appId === spMatch[2]));
    if (!sp) return graphError(404, 'Request_ResourceNotFound', `Resource '${spMatch[1] ?? spMatch[2]}' does not exist or one of its queried reference-property objects are not present.`);
    return json(200, { '@odata.context': context(ctx, 'servicePrincipals/$entity'), ...servicePrincipalEntity(ctx, sp) });
  }
  return applications(ctx, req, claims, path);
}

/** Application registrations live in their home tenant only. */
function applications(ctx: SimContext, req: SimRequest, claims: Claims, path: string): SimResponse {
  const apps = [...ctx.state.applications.values()].filter((a) => a.homeTenantId === claims.tid);
  if (path === '/applications' && req.method === 'GET') {
    if (!mayRead(claims)) return forbidden();
    const appId = /appId eq '([^']*)'/i.exec(req.url.searchParams.get('$filter') ?? '')?.[1];
    return json(200, { '@odata.context': context(ctx, 'applications'), value: apps.filter((a) => !appId || a.appId === appId).map(applicationEntity) });
  }
  const match = /^\/applications(?:\/([0-9a-f-]{36})|\(appId='([^']+)'\))(\/federatedIdentityCredentials(?:\/([^/]+))?)?$/i.exec(path);
  if (!match) return graphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  const app = apps.find((a) => (match[1] ? a.objectId === match[1] : a.appId === match[2]));
  if (!app) return graphError(404, 'Request_ResourceNotFound', `Resource '${match[1] ?? match[2]}' does not exist or one of its queried reference-property objects are not present.`);
  if (!match[3]) {
    if (req.method !== 'GET') return graphError(405, 'Request_BadRequest', 'Only GET is supported on applications by the simulator.');
    return mayRead(claims) ? json(200, { '@odata.context': context(ctx, 'applications/$entity'), ...applicationEntity(app) }) : forbidden();
  }
  const fics = app.federatedIdentityCredentials;
  const ficKey = match[4];
  const mayWrite = claims.idtyp !== 'app' || (claims.roles ?? []).some((r) => WRITE_APPLICATION_ROLES.includes(r));
  if (!ficKey) {
    if (req.method === 'GET') {
      return mayRead(claims) ? json(200, { '@odata.context': context(ctx, `applications('${app.objectId}')/federatedIdentityCredentials`), value: fics.map(ficEntity) }) : forbidden();
    }
    if (req.method !== 'POST') return graphError(405, 'Request_BadRequest', 'Method not allowed.');
    if (!mayWrite) return forbidden();
    const input = jsonBody<{ name?: string; issuer?: string; subject?: string; audiences?: string[]; description?: string }>(req);
    if (!input?.name || !input.issuer || !input.subject || !input.audiences?.length) {
      return graphError(400, 'Request_BadRequest', 'Properties name, issuer, subject and audiences are required.');
    }
    if (fics.length >= MAX_APP_FEDERATED_CREDENTIALS) {
      return graphError(400, 'Request_BadRequest', `FederatedIdentityCredential limit exceeded. An application can have at most ${MAX_APP_FEDERATED_CREDENTIALS} federated identity credentials.`);
    }
    if (fics.some((f) => f.name === input.name || (f.issuer === input.issuer && f.subject === input.subject))) {
      return graphError(409, 'Request_MultipleObjectsWithSameKeyValue', 'FederatedIdentityCredential with the same name or issuer and subject already exists.');
    }
    const fic = { id: randomUUID(), name: input.name, issuer: input.issuer, subject: input.subject, audiences: input.audiences, description: input.description };
    fics.push(fic);
    return json(201, { '@odata.context': context(ctx, `applications('${app.objectId}')/federatedIdentityCredentials/$entity`), ...ficEntity(fic) });
  }
  const fic = fics.find((f) => f.id === ficKey || f.name === ficKey);
  if (!fic) return graphError(404, 'Request_ResourceNotFound', `Resource '${ficKey}' does not exist or one of its queried reference-property objects are not present.`);
  if (req.method === 'GET') return mayRead(claims) ? json(200, ficEntity(fic)) : forbidden();
  if (!mayWrite) return forbidden();
  if (req.method === 'DELETE') {
    fics.splice(fics.indexOf(fic), 1);
    return { status: 204 };
  }
  if (req.method === 'PATCH') {
    const input = jsonBody<{ issuer?: string; subject?: string; audiences?: string[]; description?: string }>(req) ?? {};
    Object.assign(fic, Object.fromEntries(Object.entries(input).filter(([k]) => ['issuer', 'subject', 'audiences', 'description'].includes(k))));
    return { status: 204 };
  }
  return graphError(405, 'Request_BadRequest', 'Method not allowed.');
}
