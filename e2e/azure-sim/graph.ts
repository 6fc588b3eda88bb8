/** Microsoft Graph v1.0 at `/graph/v1.0`: me, organization, service principals, applications and their federated credentials. */
import { randomUUID } from 'node:crypto';
import { authenticateSimple } from './auth';
import { graphOptionalClaims, registrationEntity } from './graph-writes';
import { GRAPH_AUDIENCES, type SimContext } from './context';
import { jsonBody, json, serviceError, type SimRequest, type SimResponse } from './http';
import { stableGuid } from './seed';
import { appRoleIdFor, type Application, type AppRoleAssignment, type ServicePrincipal } from './state';
import type { Claims } from './tokens';

/** Azure's limit of federated identity credentials per application. */
export const MAX_APP_FEDERATED_CREDENTIALS = 20;

// Application permissions per operation, as the Graph v1.0 reference pages list them.
const READ_APPLICATIONS_ROLES = ['Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const LIST_FIC_ROLES = ['Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All'];
const GET_FIC_ROLES = ['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All'];
const READ_ORGANIZATION_ROLES = ['Directory.Read.All', 'Directory.ReadWrite.All'];
const WRITE_APPLICATION_ROLES = ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.ReadWrite.All'];
/**
 * serviceprincipal-post-approleassignedto: AppRoleAssignment.ReadWrite.All (with Application.Read.All or
 * Directory.Read.All); delegated callers also need one of these directory roles.
 */
const ASSIGN_APP_ROLE_PERMISSION = 'AppRoleAssignment.ReadWrite.All';
const ASSIGN_APP_ROLE_READ_PERMISSIONS = ['Application.Read.All', 'Directory.Read.All'];
const ASSIGN_APP_ROLE_DIRECTORY_ROLES = ['Directory Synchronization Accounts', 'Directory Writers', 'Hybrid Identity Administrator', 'Identity Governance Administrator',
  'Privileged Role Administrator', 'User Administrator', 'Application Administrator', 'Cloud Application Administrator', 'Global Administrator'];

const graphError = (status: number, code: string, message: string) => serviceError('graph', status, code, message);
const forbidden = () => graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

function context(ctx: SimContext, entity: string): string {
  return `${ctx.origin}/graph/v1.0/$metadata#${entity}`;
}

/** App-only tokens need one of `roles` (application permissions); delegated tokens read as the signed-in user (members may read the directory). */
function mayRead(claims: Claims, roles = READ_APPLICATIONS_ROLES): boolean {
  return claims.idtyp !== 'app' || (claims.roles ?? []).some((r) => roles.includes(r));
}

/** An app may read its own application and service principal objects without any permission (not list or filter them). */
function maySelfRead(claims: Claims, appId: string): boolean {
  return mayRead(claims) || (claims.idtyp === 'app' && claims.appid === appId);
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
    samlSingleSignOnSettings: null, addIns: [], appRoles: (app?.appRoles ?? []).map((value) => appRole(sp.appId, value, app?.applicationAppRoles ?? [])), keyCredentials: [],
    oauth2PermissionScopes: (app?.apiScopes ?? []).map((value) => permissionScope(sp.appId, value)), passwordCredentials: [],
    resourceSpecificApplicationPermissions: [], verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
}

function appRole(appId: string, value: string, applicationRoles: string[]): Record<string, unknown> {
  return { allowedMemberTypes: applicationRoles.includes(value) ? ['User', 'Application'] : ['User'], description: value, displayName: value,
    id: appRoleIdFor(appId, value), isEnabled: true, origin: 'Application', value };
}

function permissionScope(appId: string, value: string): Record<string, unknown> {
  return { adminConsentDescription: value, adminConsentDisplayName: value, id: stableGuid(appId, `scope:${value}`), isEnabled: true, type: 'User',
    userConsentDescription: value, userConsentDisplayName: value, value };
}

const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Graph's delegated User.Read ("Sign in and read user profile"), the one permission id the simulator does not make up. */
const USER_READ_SCOPE_ID = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d';

/** `requiredResourceAccess`: Graph User.Read (every registration starts with it) and the app's Graph application permissions. */
function requiredResourceAccess(app: Application): Record<string, unknown>[] {
  return [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: USER_READ_SCOPE_ID, type: 'Scope' },
    ...app.graphApplicationPermissions.map((role) => ({ id: stableGuid(GRAPH_RESOURCE, `role:${role}`), type: 'Role' }))] }];
}

/** The v1.0 application resource, property for property as in the Graph "Get application" example. */
function applicationEntity(ctx: SimContext, app: Application): Record<string, unknown> {
  return {
    id: app.objectId, deletedDateTime: null, isFallbackPublicClient: null, appId: app.appId, applicationTemplateId: null,
    identifierUris: app.apiScopes.length ? [`api://${app.appId}`] : [], createdDateTime: app.createdDateTime, disabledByMicrosoftStatus: null,
    displayName: app.displayName, isDeviceOnlyAuthSupported: null, groupMembershipClaims: app.groupMembershipClaims, optionalClaims: graphOptionalClaims(app), addIns: [],
    publisherDomain: ctx.state.tenants.get(app.homeTenantId)?.domain ?? null, samlMetadataUrl: null, signInAudience: 'AzureADMultipleOrgs',
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null }, certification: null, tags: [], tokenEncryptionKeyId: null,
    api: { requestedAccessTokenVersion: 2, acceptMappedClaims: null, knownClientApplications: [],
      oauth2PermissionScopes: app.apiScopes.map((v) => permissionScope(app.appId, v)), preAuthorizedApplications: [] },
    appRoles: app.appRoles.map((v) => appRole(app.appId, v, app.applicationAppRoles ?? [])), publicClient: { redirectUris: [] },
    info: { termsOfServiceUrl: null, supportUrl: null, privacyStatementUrl: null, marketingUrl: null, logoUrl: null },
    keyCredentials: [], parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' }, passwordCredentials: [],
    requiredResourceAccess: requiredResourceAccess(app),
    web: { redirectUris: app.redirectUris, homePageUrl: null, logoutUrl: null, implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
    ...registrationEntity(app),
  };
}

/**
 * `$select` as Graph applies it to a single entity: only the named properties, named in `@odata.context`;
 * a property the type does not have is a 400.
 */
function entityResponse(ctx: SimContext, req: SimRequest, set: string, type: string, entity: Record<string, unknown>): SimResponse {
  const select = req.url.searchParams.get('$select');
  if (!select) return json(200, { '@odata.context': context(ctx, `${set}/$entity`), ...entity });
  const fields = select.split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = fields.find((f) => !(f in entity));
  if (unknown) return graphError(400, 'Request_BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.${type}'.`);
  return json(200, { '@odata.context': context(ctx, `${set}(${fields.join(',')})/$entity`), ...Object.fromEntries(fields.map((f) => [f, entity[f]])) });
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
    if (!mayRead(claims, READ_ORGANIZATION_ROLES)) return forbidden();
    return json(200, { '@odata.context': context(ctx, 'organization'), value: [{
      id: tenant.id, deletedDateTime: null, businessPhones: [], city: null, country: null, countryLetterCode: 'NL', createdDateTime: tenant.createdDateTime,
      defaultUsageLocation: 'NL', displayName: tenant.displayName, isMultipleDataLocationsForServicesEnabled: null, marketingNotificationEmails: [],
      onPremisesLastSyncDateTime: null, onPremisesSyncEnabled: null, partnerTenantType: null, postalCode: null, preferredLanguage: 'en',
      securityComplianceNotificationMails: [], securityComplianceNotificationPhones: [], state: null, street: null, technicalNotificationMails: [],
      tenantType: 'AAD', directorySizeQuota: { used: state.users.size, total: 50000 }, assignedPlans: [], privacyProfile: { contactEmail: '', statementUrl: '' },
      provisionedPlans: [], verifiedDomains: [{ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: tenant.domain, type: 'Managed' }],
    }] });
  }
  const now = Date.now();
  const sps = [...state.servicePrincipals.values()].filter((sp) => sp.tenantId === tenant.id && sp.visibleFrom <= now);
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
  const assignedTo = /^\/servicePrincipals\/([0-9a-f-]{36})\/appRoleAssignedTo$/i.exec(path);
  if (assignedTo) return appRoleAssignedTo(ctx, req, claims, sps.find((s) => s.id === assignedTo[1]));
  const spMatch = /^\/servicePrincipals(?:\/([0-9a-f-]{36})|\(appId='([^']+)'\))$/i.exec(path);
  if (spMatch && req.method === 'GET') {
    const sp = sps.find((s) => (spMatch[1] ? s.id === spMatch[1] : s.appId === spMatch[2]));
    if (!(sp ? maySelfRead(claims, sp.appId) : maySelfRead(claims, spMatch[2] ?? ''))) return forbidden();
    if (!sp) return graphError(404, 'Request_ResourceNotFound', `Resource '${spMatch[1] ?? spMatch[2]}' does not exist or one of its queried reference-property objects are not present.`);
    return entityResponse(ctx, req, 'servicePrincipals', 'servicePrincipal', servicePrincipalEntity(ctx, sp));
  }
  return applications(ctx, req, claims, path);
}

function assignmentEntity(a: AppRoleAssignment): Record<string, unknown> {
  return { id: a.id, deletedDateTime: null, appRoleId: a.appRoleId, createdDateTime: a.createdDateTime, principalDisplayName: a.principalDisplayName,
    principalId: a.principalId, principalType: 'ServicePrincipal', resourceDisplayName: a.resourceDisplayName, resourceId: a.resourceId };
}

function mayAssignAppRoles(ctx: SimContext, claims: Claims): boolean {
  if (claims.idtyp === 'app') {
    const roles = claims.roles ?? [];
    return roles.includes(ASSIGN_APP_ROLE_PERMISSION) && roles.some((r) => ASSIGN_APP_ROLE_READ_PERMISSIONS.includes(r));
  }
  const scopes = (claims.scp ?? '').split(' ');
  const user = ctx.state.users.get(claims.oid);
  return scopes.includes(ASSIGN_APP_ROLE_PERMISSION) && Boolean(user?.directoryRoles.some((r) => ASSIGN_APP_ROLE_DIRECTORY_ROLES.includes(r)));
}

/** GET and POST /servicePrincipals/{resource-sp-id}/appRoleAssignedTo: app roles of this resource given to client service principals. */
function appRoleAssignedTo(ctx: SimContext, req: SimRequest, claims: Claims, resource: ServicePrincipal | undefined): SimResponse {
  if (!resource) return graphError(404, 'Request_ResourceNotFound', 'Resource does not exist or one of its queried reference-property objects are not present.');
  if (req.method === 'GET') {
    if (!mayRead(claims)) return forbidden();
    return json(200, { '@odata.context': context(ctx, `servicePrincipals('${resource.id}')/appRoleAssignedTo`),
      value: ctx.state.appRoleAssignments.filter((a) => a.resourceId === resource.id).map(assignmentEntity) });
  }
  if (req.method !== 'POST') return graphError(405, 'Request_BadRequest', 'Method not allowed.');
  if (!mayAssignAppRoles(ctx, claims)) return forbidden();
  const body = jsonBody(req) as { principalId?: string; resourceId?: string; appRoleId?: string } | undefined;
  if (!body?.principalId || !body.resourceId || !body.appRoleId) return graphError(400, 'Request_BadRequest', 'principalId, resourceId and appRoleId are required.');
  if (body.resourceId !== resource.id) return graphError(400, 'Request_BadRequest', 'resourceId must be the id of the service principal in the request URL.');
  const client = [...ctx.state.servicePrincipals.values()].find((s) => s.id === body.principalId && s.tenantId === resource.tenantId);
  if (!client) return graphError(404, 'Request_ResourceNotFound', `Resource '${body.principalId}' does not exist or one of its queried reference-property objects are not present.`);
  const role = (ctx.state.applications.get(resource.appId)?.appRoles ?? []).find((value) => appRoleIdFor(resource.appId, value) === body.appRoleId);
  if (!role) return graphError(400, 'Request_BadRequest', 'Permission being assigned was not found on application');
  const assigned = ctx.state.assignAppRole(resource.tenantId, client.appId, resource.appId, role);
  if (typeof assigned === 'string') return graphError(400, 'Request_BadRequest', 'Permission being assigned was not found on application');
  return json(201, { '@odata.context': context(ctx, `servicePrincipals('${resource.id}')/appRoleAssignedTo/$entity`), ...assignmentEntity(assigned) });
}

/** Application registrations live in their home tenant only. */
function applications(ctx: SimContext, req: SimRequest, claims: Claims, path: string): SimResponse {
  const apps = [...ctx.state.applications.values()].filter((a) => a.homeTenantId === claims.tid);
  if (path === '/applications' && req.method === 'GET') {
    if (!mayRead(claims)) return forbidden();
    const appId = /appId eq '([^']*)'/i.exec(req.url.searchParams.get('$filter') ?? '')?.[1];
    return json(200, { '@odata.context': context(ctx, 'applications'), value: apps.filter((a) => !appId || a.appId === appId).map((a) => applicationEntity(ctx, a)) });
  }
  const match = /^\/applications(?:\/([0-9a-f-]{36})|\(appId='([^']+)'\))(\/federatedIdentityCredentials(?:\/([^/]+))?)?$/i.exec(path);
  if (!match) return graphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  const app = apps.find((a) => (match[1] ? a.objectId === match[1] : a.appId === match[2]));
  if (!app) {
    return maySelfRead(claims, match[2] ?? '') ? graphError(404, 'Request_ResourceNotFound', `Resource '${match[1] ?? match[2]}' does not exist or one of its queried reference-property objects are not present.`) : forbidden();
  }
  if (!match[3]) {
    if (req.method !== 'GET') return graphError(405, 'Request_BadRequest', 'Only GET is supported on applications by the simulator.');
    return maySelfRead(claims, app.appId) ? entityResponse(ctx, req, 'applications', 'application', applicationEntity(ctx, app)) : forbidden();
  }
  const fics = app.federatedIdentityCredentials;
  const ficKey = match[4];
  const mayWrite = claims.idtyp !== 'app' || (claims.roles ?? []).some((r) => WRITE_APPLICATION_ROLES.includes(r));
  if (!ficKey) {
    if (req.method === 'GET') {
      return mayRead(claims, LIST_FIC_ROLES) ? json(200, { '@odata.context': context(ctx, `applications('${app.objectId}')/federatedIdentityCredentials`), value: fics.map(ficEntity) }) : forbidden();
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
  if (req.method === 'GET') return mayRead(claims, GET_FIC_ROLES) ? json(200, ficEntity(fic)) : forbidden();
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
