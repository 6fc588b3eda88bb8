/**
 * Entra ID v2 endpoints per tenant: discovery, JWKS, a sign-in page (authorize), admin consent,
 * the token endpoint (auth code + PKCE, refresh, client credentials with a secret or a federated
 * assertion, on-behalf-of) and logout. Tokens are signed by TokenSigner.
 */
import { createHash, randomBytes } from 'node:crypto';
import { issuerFor, type SimContext } from './context';
import { stableGuid } from './seed';
import { escapeHtml, formBody, header, html, json, redirect, serviceError, type SimRequest, type SimResponse } from './http';
import { canonicalResource, type Application, type ServicePrincipal, type Tenant, type User } from './state';
import { asV1AccessToken, v1IssuerFor, type Claims } from './tokens';

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
/** May consent to anything, Microsoft Graph application permissions included. */
const CONSENT_ANY_ROLES = ['Global Administrator', 'Privileged Role Administrator'];
/** May consent to anything except Microsoft Graph application permissions (app roles). */
const CONSENT_NON_GRAPH_APP_ROLES = ['Cloud Application Administrator', 'Application Administrator'];
const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const DEFAULT_DELEGATED_SCOPE: Record<string, string> = { [GRAPH_RESOURCE]: 'User.Read' };
const CODE_LIFETIME_MS = 10 * 60 * 1000;
/**
 * Template ids of Entra built-in directory roles, as `wids` carries them
 * (learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference). Every user also has the
 * "User" role template b79fbf4d-3ef9-4689-8143-76b194e85509 in wids.
 */
const DIRECTORY_ROLE_TEMPLATE_IDS: Record<string, string> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
};
const USER_ROLE_TEMPLATE_ID = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

/** What a token needs to know about the sign-in it comes from. */
interface SignInFacts {
  /** Epoch seconds of the last interactive sign-in. */
  authTime: number;
  /** max_age was in the request: OpenID Connect then requires auth_time in the ID token. */
  maxAgeRequested: boolean;
  /** Authentication contexts requested with a claims request (no Conditional Access policies: always satisfied). */
  acrs: string[];
}

interface AuthorizeRequest {
  kind: 'signin' | 'adminconsent';
  tenantSegment: string;
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  scope: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  codeChallenge?: string;
  codeChallengeMethod?: string;
  chosenUserId?: string;
  prompt?: string;
  maxAge?: number;
  claims?: string;
}

interface AuthorizationCode {
  clientId: string; redirectUri: string; userId: string; scope: string; nonce?: string;
  codeChallenge?: string; codeChallengeMethod?: string; expiresAt: number; signIn: SignInFacts;
}

interface RefreshGrant { clientId: string; userId: string; authTime: number }

interface RequestedResource { resource: string; scopes: string[]; isDefault: boolean }

type ClientAuth =
  | { ok: true; app: Application; credential: 'secret' | 'federated' | 'none' }
  | { ok: false; response: SimResponse };

const entraError = (status: number, error: string, description: string, extra: Record<string, unknown> = {}) =>
  serviceError('entra', status, error, description, {}, extra);

/** Splits `scope` into the one resource it targets and its scopes, as Entra does (one resource per token). */
export function parseResourceScopes(scope: string): RequestedResource {
  const scopes = scope.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s));
  if (scopes.length === 0) return { resource: GRAPH_RESOURCE, scopes: ['User.Read'], isDefault: false };
  const first = scopes[0] ?? '';
  if (first.endsWith('/.default')) return { resource: first.slice(0, -'/.default'.length), scopes: [], isDefault: true };
  const slash = first.lastIndexOf('/');
  if (slash <= 0 || !first.includes(':')) return { resource: GRAPH_RESOURCE, scopes, isDefault: false };
  const resource = first.slice(0, slash);
  return { resource, scopes: scopes.map((s) => s.slice(s.lastIndexOf('/') + 1)), isDefault: false };
}

interface Permission { resource: string; scopes: string[] }

/**
 * Every delegated permission an interactive request names, grouped by resource (Entra consents to several resources
 * at once, though the token is for the first). `{resource}/.default` stands for the app's requiredResourceAccess.
 */
export function requestedPermissions(scope: string, app: Application | undefined): Permission[] {
  const byResource = new Map<string, Set<string>>();
  const add = (resource: string, scopes: string[]) => {
    const key = canonicalResource(resource);
    byResource.set(key, new Set([...(byResource.get(key) ?? []), ...scopes]));
  };
  for (const item of scope.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s))) {
    if (item.endsWith('/.default')) {
      for (const declared of app?.requiredResourceAccess ?? []) add(declared.resource, declared.scopes);
      continue;
    }
    const slash = item.lastIndexOf('/');
    if (slash > 0 && item.includes(':')) add(item.slice(0, slash), [item.slice(slash + 1)]);
    else add(GRAPH_RESOURCE, [item]);
  }
  return [...byResource].map(([resource, scopes]) => ({ resource, scopes: [...scopes] }));
}

export class EntraService {
  private readonly pending = new Map<string, AuthorizeRequest>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** The last interactive sign-in per user (what the simsso session remembers), epoch seconds. */
  private readonly ssoAuthTimes = new Map<string, number>();

  constructor(private readonly ctx: SimContext) {}

  async handle(req: SimRequest): Promise<SimResponse | undefined> {
    const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys|discovery\/keys|oauth2\/v2\.0\/authorize|oauth2\/v2\.0\/token|oauth2\/v2\.0\/logout|v2\.0\/adminconsent)$/.exec(req.path);
    if (!match) return undefined;
    const [, tenantSegment = '', endpoint] = match;
    const tenant = this.resolveTenant(tenantSegment);
    if (tenant === undefined) {
      return entraError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    switch (endpoint) {
      case 'v2.0/.well-known/openid-configuration': return json(200, this.discovery(tenantSegment, tenant));
      case 'discovery/v2.0/keys':
      case 'discovery/keys': return json(200, this.ctx.signer.jwks(issuerFor(this.ctx.origin, tenant?.id ?? '{tenantid}')));
      case 'oauth2/v2.0/authorize': return this.authorize(req, tenantSegment, 'signin');
      case 'v2.0/adminconsent': return this.authorize(req, tenantSegment, 'adminconsent');
      case 'oauth2/v2.0/token': return this.token(req, tenant);
      default: return this.logout(req);
    }
  }

  /** `null` = a multi-tenant alias (organizations/common/consumers); `undefined` = unknown tenant. */
  private resolveTenant(segment: string): Tenant | null | undefined {
    if (['organizations', 'common', 'consumers'].includes(segment.toLowerCase())) return null;
    const byId = this.ctx.state.tenants.get(segment.toLowerCase());
    if (byId) return byId;
    return [...this.ctx.state.tenants.values()].find((t) => t.domain.toLowerCase() === segment.toLowerCase());
  }

  private discovery(segment: string, tenant: Tenant | null): Record<string, unknown> {
    const base = `${this.ctx.origin}/${segment}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: issuerFor(this.ctx.origin, tenant?.id ?? '{tenantid}'),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.ctx.origin}/graph/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'localhost',
      cloud_graph_host_name: 'localhost',
      msgraph_host: 'localhost',
      rbac_url: `${this.ctx.origin}/arm`,
    };
  }

  // ---- authorize / admin consent (browser pages) -------------------------------------------

  private authorize(req: SimRequest, tenantSegment: string, kind: AuthorizeRequest['kind']): SimResponse {
    if (req.method === 'POST') return this.authorizeStep(req);
    const q = req.url.searchParams;
    const clientId = q.get('client_id') ?? '';
    const app = this.ctx.state.applications.get(clientId);
    if (!app) {
      return this.errorPage(`AADSTS700016: Application with identifier '${escapeHtml(clientId)}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    }
    const redirectUri = q.get('redirect_uri') ?? app.redirectUris[0] ?? app.spaRedirectUris[0] ?? '';
    if (!this.redirectUriRegistered(app, redirectUri)) {
      return this.errorPage(`AADSTS50011: The redirect URI '${escapeHtml(redirectUri)}' specified in the request does not match the redirect URIs configured for the application '${app.appId}'.`);
    }
    const request: AuthorizeRequest = {
      kind, tenantSegment, clientId, redirectUri, state: q.get('state') ?? undefined, nonce: q.get('nonce') ?? undefined,
      scope: q.get('scope') ?? (kind === 'adminconsent' ? `${GRAPH_RESOURCE}/.default` : 'openid'),
      responseMode: kind === 'adminconsent' ? 'query' : ((q.get('response_mode') as AuthorizeRequest['responseMode'] | null) ?? 'query'),
      codeChallenge: q.get('code_challenge') ?? undefined, codeChallengeMethod: q.get('code_challenge_method') ?? undefined,
      prompt: q.get('prompt') ?? undefined,
      maxAge: q.get('max_age') !== null && /^\d+$/.test(q.get('max_age') ?? '') ? Number(q.get('max_age')) : undefined,
      claims: q.get('claims') ?? undefined,
    };
    if (kind === 'signin' && q.get('response_type') !== 'code') {
      return this.finish(request, { error: 'unsupported_response_type', error_description: 'AADSTS700054: response_type is not enabled for the application; only code is supported by the simulator.' });
    }
    if (request.codeChallenge && request.codeChallengeMethod && request.codeChallengeMethod !== 'S256') {
      return this.finish(request, { error: 'invalid_request', error_description: 'AADSTS501491: Invalid code_challenge_method. Only S256 is supported.' });
    }
    if (kind === 'signin' && q.get('prompt') === 'none') {
      const user = this.silentUser(req, tenantSegment, q.get('login_hint') ?? undefined);
      if (!user) return this.finish(request, { error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.' });
      const authTime = this.ssoAuthTimes.get(user.id);
      if (authTime === undefined || (request.maxAge !== undefined && nowSeconds() - authTime > request.maxAge)) {
        return this.finish(request, { error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but the user\'s sign-in is older than max_age (or unknown): an interactive sign-in is needed.' });
      }
      return this.issueCode(request, user, {}, authTime);
    }
    const id = randomBytes(12).toString('hex');
    this.pending.set(id, request);
    return this.signInPage(id, request);
  }

  private authorizeStep(req: SimRequest): SimResponse {
    const form = formBody(req);
    const request = this.pending.get(form.get('sim_request') ?? '');
    if (!request) return this.errorPage('AADSTS90014: The sign-in request expired or was already completed. Start again from the application.');
    const decision = form.get('sim_decision');
    if (decision && request.chosenUserId) {
      return request.kind === 'signin'
        ? this.signInConsentDecision(form.get('sim_request') ?? '', request, decision, form.get('sim_org_consent') === 'on')
        : this.consentDecision(form.get('sim_request') ?? '', request, decision);
    }
    const user = this.ctx.state.users.get(form.get('sim_user') ?? '');
    if (!user) return this.signInPage(form.get('sim_request') ?? '', request);
    if (request.kind === 'signin') {
      const missing = this.unconsented(request, user);
      if (missing.length > 0 || request.prompt === 'consent') {
        request.chosenUserId = user.id;
        return this.signInConsentPage(form.get('sim_request') ?? '', request, user, missing);
      }
      this.pending.delete(form.get('sim_request') ?? '');
      return this.issueCode(request, user, { 'set-cookie': `simsso=${user.id}; Path=/; Secure; HttpOnly; SameSite=None` }, this.interactiveSignIn(user));
    }
    request.chosenUserId = user.id;
    return this.consentPage(form.get('sim_request') ?? '', request, user);
  }

  private consentDecision(requestId: string, request: AuthorizeRequest, decision: string): SimResponse {
    this.pending.delete(requestId);
    const user = this.ctx.state.users.get(request.chosenUserId ?? '');
    if (!user) return this.errorPage('AADSTS50020: User account not found.');
    if (decision !== 'accept') {
      return this.finish(request, { error: 'access_denied', error_subcodes: 'cancel',
        error_description: 'AADSTS65004: User declined to consent to access the app.' });
    }
    if (!this.isConsentAdmin(user, request.clientId)) {
      return this.finish(request, { error: 'access_denied', error_subcodes: 'admin_consent_required',
        error_description: `AADSTS90094: Admin consent is required for the permissions requested by this application. The signed-in user '${user.upn}' has no role in tenant '${user.tenantId}' that may grant them.` });
    }
    if (this.ctx.faults.consentDenied.has(user.tenantId)) {
      return this.finish(request, { error: 'access_denied', error_subcodes: 'policy',
        error_description: `AADSTS90093: The tenant '${user.tenantId}' blocks granting consent to application '${request.clientId}' by policy.` });
    }
    this.ctx.state.addServicePrincipal(request.clientId, user.tenantId, true, this.ctx.settings.servicePrincipalReplicationMs);
    return this.finish(request, { admin_consent: 'True', tenant: user.tenantId, scope: request.scope });
  }

  /** Cloud Application and Application Administrators cannot grant Microsoft Graph application permissions. */
  private isConsentAdmin(user: User, appId: string): boolean {
    const requestsGraphAppRoles = (this.ctx.state.applications.get(appId)?.graphApplicationPermissions.length ?? 0) > 0;
    const allowed = requestsGraphAppRoles ? CONSENT_ANY_ROLES : [...CONSENT_ANY_ROLES, ...CONSENT_NON_GRAPH_APP_ROLES];
    return user.directoryRoles.some((r) => allowed.includes(r));
  }

  private silentUser(req: SimRequest, tenantSegment: string, loginHint?: string): User | undefined {
    const users = this.usersFor(tenantSegment);
    if (loginHint) return users.find((u) => u.upn.toLowerCase() === loginHint.toLowerCase());
    const cookie = /(?:^|;\s*)simsso=([^;]+)/.exec(header(req, 'cookie') ?? '');
    return users.find((u) => u.id === cookie?.[1]);
  }

  private usersFor(tenantSegment: string): User[] {
    const tenant = this.resolveTenant(tenantSegment);
    const users = [...this.ctx.state.users.values()];
    return tenant ? users.filter((u) => u.tenantId === tenant.id) : users;
  }

  private redirectUriRegistered(app: Application, redirectUri: string): boolean {
    return this.redirectUriIn(app.redirectUris, redirectUri) || this.redirectUriIn(app.spaRedirectUris, redirectUri);
  }

  private redirectUriIn(registeredUris: string[], redirectUri: string): boolean {
    let wanted: URL;
    try {
      wanted = new URL(redirectUri);
    } catch {
      return false;
    }
    return registeredUris.some((registered) => {
      if (registered === redirectUri) return true;
      const r = new URL(registered);
      // Entra ignores the port of http://localhost redirect URIs.
      const local = (h: string) => h === 'localhost' || h === '127.0.0.1';
      return r.protocol === 'http:' && local(r.hostname) && local(wanted.hostname) && wanted.protocol === 'http:'
        && r.pathname.replace(/\/$/, '') === wanted.pathname.replace(/\/$/, '');
    });
  }

  /** An interactive sign-in happens now: the SSO session remembers its time (auth_time of later silent sign-ins). */
  private interactiveSignIn(user: User): number {
    const now = nowSeconds();
    this.ssoAuthTimes.set(user.id, now);
    return now;
  }

  private issueCode(request: AuthorizeRequest, user: User, headers: Record<string, string> = {}, authTime = nowSeconds()): SimResponse {
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { clientId: request.clientId, redirectUri: request.redirectUri, userId: user.id, scope: request.scope,
      nonce: request.nonce, codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
      signIn: { authTime, maxAgeRequested: request.maxAge !== undefined, acrs: requestedAcrs(request.claims) } });
    return this.finish(request, { code, client_info: clientInfo(user), session_state: randomBytes(8).toString('hex') }, headers);
  }

  /** Sends the browser back to redirect_uri in the requested response mode; `state` always travels along. */
  private finish(request: AuthorizeRequest, params: Record<string, string>, headers: Record<string, string> = {}): SimResponse {
    const all = new URLSearchParams(params);
    if (request.state !== undefined) all.set('state', request.state);
    if (request.responseMode === 'form_post') {
      const inputs = [...all].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
      return html(200, `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(request.redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`, headers);
    }
    const separator = request.responseMode === 'fragment' ? '#' : (request.redirectUri.includes('?') ? '&' : '?');
    return redirect(`${request.redirectUri}${separator}${all.toString()}`, headers);
  }

  private signInPage(requestId: string, request: AuthorizeRequest): SimResponse {
    const app = this.ctx.state.applications.get(request.clientId);
    const byTenant = new Map<string, User[]>();
    for (const user of this.usersFor(request.tenantSegment)) byTenant.set(user.tenantId, [...(byTenant.get(user.tenantId) ?? []), user]);
    const groups = [...byTenant].map(([tenantId, users]) => {
      const tenant = this.ctx.state.tenants.get(tenantId);
      const buttons = users.map((u) => `<li><button name="sim_user" value="${u.id}" data-upn="${escapeHtml(u.upn)}">`
        + `<strong>${escapeHtml(u.upn)}</strong><span>${escapeHtml(u.displayName)}${u.description ? ` · ${escapeHtml(u.description)}` : ''}</span></button></li>`).join('');
      return `<section><h2>${escapeHtml(tenant?.displayName ?? tenantId)} <small>${tenantId}</small></h2><ul>${buttons}</ul></section>`;
    }).join('');
    const heading = request.kind === 'adminconsent' ? 'Sign in to grant admin consent' : 'Pick an account';
    return html(200, page(heading, `<p>to continue to <strong>${escapeHtml(app?.displayName ?? request.clientId)}</strong> (Azure simulator)</p>
      <form method="post"><input type="hidden" name="sim_request" value="${requestId}">${groups}</form>`));
  }

  private consentPage(requestId: string, request: AuthorizeRequest, user: User): SimResponse {
    const app = this.ctx.state.applications.get(request.clientId);
    const body = this.isConsentAdmin(user, request.clientId)
      ? `<p><strong>${escapeHtml(app?.displayName ?? request.clientId)}</strong> (${request.clientId}) requests permissions in <strong>${escapeHtml(this.ctx.state.tenants.get(user.tenantId)?.displayName ?? user.tenantId)}</strong>:</p>
         <ul>${consentList(app)}</ul>
         <p>Accepting creates a service principal (enterprise application) for this app in your organization.</p>
         <button name="sim_decision" value="accept">Accept</button> <button name="sim_decision" value="cancel" class="secondary">Cancel</button>`
      : `<h2>Need admin approval</h2><p>${escapeHtml(app?.displayName ?? request.clientId)} needs permission to access resources in your organization that only an admin can grant. Signed in as <strong>${escapeHtml(user.upn)}</strong>, whose role cannot grant it.</p>
         <button name="sim_decision" value="accept">Return to the application</button>`;
    return html(200, page('Permissions requested', `<p>Signed in as ${escapeHtml(user.upn)}</p><form method="post"><input type="hidden" name="sim_request" value="${requestId}">${body}</form>`));
  }

  /** What a sign-in asks for and the user (or their organization) has not consented to yet. */
  private unconsented(request: AuthorizeRequest, user: User): Permission[] {
    const app = this.ctx.state.applications.get(request.clientId);
    if (!app) return [];
    return requestedPermissions(request.scope, app).map(({ resource, scopes }) => {
      const consented = this.ctx.state.consentedScopes(app.appId, user.tenantId, user.id, resource);
      return { resource, scopes: scopes.filter((s) => !consented.has(s)) };
    }).filter((p) => p.scopes.length > 0);
  }

  /** Entra's consent prompt during sign-in; an administrator may also consent for the whole organization. */
  private signInConsentPage(requestId: string, request: AuthorizeRequest, user: User, missing: Permission[]): SimResponse {
    const app = this.ctx.state.applications.get(request.clientId);
    // prompt=consent asks again for everything requested; otherwise Entra asks only for what is missing.
    const shown = request.prompt === 'consent' || missing.length === 0 ? requestedPermissions(request.scope, app) : missing;
    const items = shown.flatMap((p) => p.scopes.map((scope) => `<li data-permission="${escapeHtml(`${p.resource}/${scope}`)}">${escapeHtml(scope)} <small>${escapeHtml(p.resource)}</small></li>`)).join('');
    const orgConsent = this.isConsentAdmin(user, request.clientId)
      ? '<p><label><input type="checkbox" name="sim_org_consent"> Consent on behalf of your organization</label></p>' : '';
    return html(200, page('Permissions requested', `<p>Signed in as ${escapeHtml(user.upn)}</p>
      <form method="post"><input type="hidden" name="sim_request" value="${requestId}">
      <p><strong>${escapeHtml(app?.displayName ?? request.clientId)}</strong> (${request.clientId}) needs permission to:</p><ul>${items}</ul>${orgConsent}
      <button name="sim_decision" value="accept">Accept</button> <button name="sim_decision" value="cancel" class="secondary">Cancel</button></form>`));
  }

  private signInConsentDecision(requestId: string, request: AuthorizeRequest, decision: string, forOrganization: boolean): SimResponse {
    this.pending.delete(requestId);
    const user = this.ctx.state.users.get(request.chosenUserId ?? '');
    const app = this.ctx.state.applications.get(request.clientId);
    if (!user || !app) return this.errorPage('AADSTS50020: User account not found.');
    if (decision !== 'accept') {
      return this.finish(request, { error: 'access_denied', error_subcodes: 'cancel', error_description: 'AADSTS65004: User declined to consent to access the app.' });
    }
    if (!this.ctx.state.servicePrincipal(app.appId, user.tenantId)) this.ctx.state.addServicePrincipal(app.appId, user.tenantId, false);
    const principal = forOrganization && this.isConsentAdmin(user, app.appId) ? undefined : user.id;
    this.ctx.state.grantDelegated(app.appId, user.tenantId, principal, requestedPermissions(request.scope, app));
    return this.issueCode(request, user, { 'set-cookie': `simsso=${user.id}; Path=/; Secure; HttpOnly; SameSite=None` }, this.interactiveSignIn(user));
  }

  private errorPage(message: string): SimResponse {
    return html(400, page('Sorry, but we’re having trouble signing you in.', `<p class="error">${escapeHtml(message)}</p>`));
  }

  private logout(req: SimRequest): SimResponse {
    const target = req.url.searchParams.get('post_logout_redirect_uri');
    const clearCookie = { 'set-cookie': 'simsso=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0' };
    return target ? redirect(target, clearCookie) : html(200, page('You signed out of your account', '<p>You can close this window.</p>'), clearCookie);
  }

  // ---- token endpoint ------------------------------------------------------------------------

  private async token(req: SimRequest, pathTenant: Tenant | null): Promise<SimResponse> {
    if (req.method !== 'POST') return entraError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts POST requests.');
    const form = formBody(req);
    const basic = /^Basic\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
    if (basic) {
      const [id = '', secret = ''] = Buffer.from(basic[1] ?? '', 'base64').toString('utf8').split(':').map(decodeURIComponent);
      if (!form.has('client_id')) form.set('client_id', id);
      if (!form.has('client_secret')) form.set('client_secret', secret);
    }
    switch (form.get('grant_type')) {
      case 'authorization_code': return this.authorizationCodeGrant(form, pathTenant, header(req, 'origin'));
      case 'refresh_token': return this.refreshTokenGrant(form);
      case 'client_credentials': return this.clientCredentialsGrant(form, pathTenant);
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer': return this.onBehalfOfGrant(form, pathTenant);
      default:
        return entraError(400, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${form.get('grant_type') ?? ''}'.`);
    }
  }

  private authenticateClient(form: URLSearchParams, tenantId: string | undefined, allowPublic: boolean): ClientAuth {
    const clientId = form.get('client_id') ?? '';
    const app = this.ctx.state.applications.get(clientId);
    if (!app) {
      return { ok: false, response: entraError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenantId ?? 'organizations'}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`) };
    }
    const secret = form.get('client_secret');
    if (secret !== null) {
      if (!app.clientSecret || secret !== app.clientSecret) {
        return { ok: false, response: entraError(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`) };
      }
      return { ok: true, app, credential: 'secret' };
    }
    const assertion = form.get('client_assertion');
    if (assertion !== null) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return { ok: false, response: entraError(400, 'invalid_request', "AADSTS50027: client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.") };
      }
      const failure = this.checkFederatedAssertion(app, assertion);
      return failure ? { ok: false, response: failure } : { ok: true, app, credential: 'federated' };
    }
    if (allowPublic) return { ok: true, app, credential: 'none' };
    return { ok: false, response: entraError(401, 'invalid_client', "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.") };
  }

  /** A federated credential: a token we issued (e.g. by the MSI endpoint) matching one of the app's FICs. */
  private checkFederatedAssertion(app: Application, assertion: string): SimResponse | undefined {
    const verified = this.ctx.signer.verify(assertion);
    if (!verified.ok) {
      return verified.reason === 'expired'
        ? entraError(400, 'invalid_client', 'AADSTS700024: Client assertion is not within its valid time range.')
        : entraError(401, 'invalid_client', 'AADSTS700027: Client assertion failed signature validation.');
    }
    const { iss, sub, aud } = verified.claims;
    const byIssuer = app.federatedIdentityCredentials.filter((f) => f.issuer === iss);
    if (byIssuer.length === 0) {
      return entraError(400, 'invalid_client', `AADSTS700211: No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
    }
    const bySubject = byIssuer.filter((f) => f.subject === sub);
    if (bySubject.length === 0) {
      return entraError(400, 'invalid_client', `AADSTS700213: No matching federated identity record found for presented assertion subject '${sub}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
    }
    if (!bySubject.some((f) => f.audiences.includes(aud))) {
      return entraError(400, 'invalid_client', `AADSTS700212: No matching federated identity record found for presented assertion audience '${aud}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`);
    }
    return undefined;
  }

  private notInstalled(appId: string, tenantId: string): SimResponse {
    const name = this.ctx.state.tenants.get(tenantId)?.displayName ?? tenantId;
    return entraError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${appId}' was not found in the directory '${name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }

  /** `origin`: the browser's Origin header, present when a page redeems the code cross-origin (fetch from a SPA). */
  private authorizationCodeGrant(form: URLSearchParams, pathTenant: Tenant | null, origin: string | undefined): SimResponse {
    const code = this.codes.get(form.get('code') ?? '');
    const app = this.ctx.state.applications.get(form.get('client_id') ?? '');
    const spaRedirect = Boolean(app && this.redirectUriIn(app.spaRedirectUris, form.get('redirect_uri') ?? ''));
    if (origin && app && !spaRedirect) {
      return entraError(400, 'invalid_request', `AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '${origin}'.`);
    }
    // Only a SPA redirect URI may be redeemed without a client credential (PKCE alone); Web redirect URIs need one.
    const client = this.authenticateClient(form, pathTenant?.id, spaRedirect && Boolean(code?.codeChallenge));
    if (!client.ok) return client.response;
    if (!code || code.expiresAt < Date.now() || code.clientId !== client.app.appId) {
      return entraError(400, 'invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    this.codes.delete(form.get('code') ?? '');
    if (form.get('redirect_uri') !== code.redirectUri) {
      return entraError(400, 'invalid_grant', 'AADSTS50148: The redirect_uri does not match the redirect URI used to obtain the authorization code.');
    }
    if (code.codeChallenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge) {
        return entraError(400, 'invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
    }
    const user = this.ctx.state.users.get(code.userId);
    if (!user) return entraError(400, 'invalid_grant', 'AADSTS50034: The user account does not exist in the directory.');
    return this.userTokenResponse(user, client.app, form.get('scope') ?? code.scope, code.nonce, code.signIn);
  }

  private refreshTokenGrant(form: URLSearchParams): SimResponse {
    const grant = this.refreshTokens.get(form.get('refresh_token') ?? '');
    const client = this.authenticateClient(form, undefined, true);
    if (!client.ok) return client.response;
    const user = grant && this.ctx.state.users.get(grant.userId);
    if (!grant || !user || grant.clientId !== client.app.appId) {
      return entraError(400, 'invalid_grant', 'AADSTS9002313: Invalid request. Request is malformed or invalid. (refresh token unknown or issued to another client)');
    }
    return this.userTokenResponse(user, client.app, form.get('scope') ?? 'openid', undefined, { authTime: grant.authTime, maxAgeRequested: false, acrs: requestedAcrs(form.get('claims') ?? undefined) });
  }

  private clientCredentialsGrant(form: URLSearchParams, pathTenant: Tenant | null): SimResponse {
    if (!pathTenant) {
      return entraError(400, 'invalid_request', 'AADSTS50059: No tenant-identifying information found in either the request or implied by any provided credentials.');
    }
    const client = this.authenticateClient(form, pathTenant.id, false);
    if (!client.ok) return client.response;
    const scope = form.get('scope') ?? '';
    const requested = parseResourceScopes(scope);
    if (!requested.isDefault) {
      return entraError(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const sp = this.ctx.state.replicatedServicePrincipal(client.app.appId, pathTenant.id);
    if (!sp) return this.notInstalled(client.app.appId, pathTenant.id);
    const issued = this.ctx.signer.sign(this.appClaims(sp, requested.resource));
    return json(200, { token_type: 'Bearer', expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.token });
  }

  private onBehalfOfGrant(form: URLSearchParams, pathTenant: Tenant | null): SimResponse {
    if (form.get('requested_token_use') !== 'on_behalf_of') {
      return entraError(400, 'invalid_request', "AADSTS90014: The required field 'requested_token_use' is missing from the credential.");
    }
    const client = this.authenticateClient(form, pathTenant?.id, false);
    if (!client.ok) return client.response;
    const verified = this.ctx.signer.verify(form.get('assertion') ?? '');
    if (!verified.ok) {
      return verified.reason === 'expired'
        ? entraError(400, 'invalid_grant', 'AADSTS500133: Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token.')
        : entraError(400, 'invalid_grant', 'AADSTS50013: Assertion failed signature validation.');
    }
    const assertion = verified.claims;
    const ownAudiences = [client.app.appId, `api://${client.app.appId}`];
    if (!ownAudiences.includes(assertion.aud)) {
      return entraError(400, 'invalid_grant', `AADSTS50013: Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${assertion.aud}' and the expected audience is '${client.app.appId}' or one of the Application Id URIs of this app.`);
    }
    if (pathTenant && pathTenant.id !== assertion.tid) {
      return entraError(400, 'invalid_grant', `AADSTS50013: Assertion contains an invalid issuer for tenant '${pathTenant.id}': the user token was issued by tenant '${assertion.tid}'.`);
    }
    const user = this.ctx.state.users.get(assertion.oid);
    if (!user) return entraError(400, 'invalid_grant', 'AADSTS50034: The user account does not exist in the directory.');
    const requested = parseResourceScopes(form.get('scope') ?? '');
    if (!this.ctx.state.replicatedServicePrincipal(client.app.appId, user.tenantId)) return this.notInstalled(client.app.appId, user.tenantId);
    if (this.ctx.faults.mfaRequired.has(user.tenantId)) {
      // Conditional Access asks for MFA for the downstream resource: only the user, interactively, can satisfy it.
      return entraError(400, 'interaction_required', `AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${requested.resource}'.`,
        { suberror: 'basic_action', claims: JSON.stringify({ access_token: { capolids: { essential: true, values: [stableGuid('capolicy', user.tenantId)] } } }) });
    }
    // No token without consent: the client may use only the delegated scopes granted for this resource in this tenant.
    const consented = this.ctx.state.consentedScopes(client.app.appId, user.tenantId, user.id, requested.resource);
    const scopes = requested.isDefault ? [...consented] : requested.scopes;
    if (scopes.length === 0 || scopes.some((s) => !consented.has(s))) {
      return entraError(400, 'invalid_grant', `AADSTS65001: The user or administrator has not consented to use the application with ID '${client.app.appId}' named '${client.app.displayName}'. Send an interactive authorization request for this user and resource.`,
        { suberror: 'consent_required' });
    }
    const issued = this.ctx.signer.sign(this.userClaims(user, client.app, requested, scopes));
    return json(200, { token_type: 'Bearer', scope: requestedScopeString(requested), expires_in: issued.expiresIn,
      ext_expires_in: issued.expiresIn, access_token: issued.token });
  }

  private userTokenResponse(user: User, app: Application, scope: string, nonce: string | undefined, signIn: SignInFacts): SimResponse {
    if (!this.ctx.state.replicatedServicePrincipal(app.appId, user.tenantId)) return this.notInstalled(app.appId, user.tenantId);
    const requested = parseResourceScopes(scope);
    const access = this.ctx.signer.sign(this.userClaims(user, app, requested, undefined, signIn));
    const refreshToken = randomBytes(48).toString('base64url');
    this.refreshTokens.set(refreshToken, { clientId: app.appId, userId: user.id, authTime: signIn.authTime });
    const body: Record<string, unknown> = {
      token_type: 'Bearer', scope: `${requestedScopeString(requested)} openid profile offline_access`,
      expires_in: access.expiresIn, ext_expires_in: access.expiresIn, access_token: access.token,
      refresh_token: refreshToken, refresh_token_expires_in: 86399, client_info: clientInfo(user),
    };
    const issuer = issuerFor(this.ctx.origin, user.tenantId);
    body.id_token = this.ctx.signer.sign({
      aud: app.appId, iss: issuer, tid: user.tenantId, oid: user.id, sub: pairwiseSubject(user.id, app.appId),
      name: user.displayName, preferred_username: user.upn, email: user.upn, nonce, ...(this.portalRoles(user, app.appId)),
      ...this.signInClaims(user, app, 'idToken', signIn),
    }).token;
    return json(200, body);
  }

  private portalRoles(user: User, resourceAppId: string): { roles?: string[] } {
    const app = this.ctx.state.applications.get(resourceAppId);
    const roles = app ? user.appRoles.filter((r) => app.appRoles.includes(r)) : [];
    return roles.length > 0 ? { roles } : {};
  }

  /**
   * Claims about the user and the sign-in that depend on the app's registration (the resource app for access tokens,
   * the client for ID tokens): `wids` with groupMembershipClaims DirectoryRole/All; the optional claims acct and
   * auth_time only when configured (auth_time also whenever max_age was requested, as OpenID Connect requires); acrs
   * when a claims request asked for an authentication context; idp always for guests.
   */
  private signInClaims(user: User, app: Application | undefined, tokenType: 'idToken' | 'accessToken', signIn?: SignInFacts): Record<string, unknown> {
    const configured = new Set(app?.optionalClaims[tokenType] ?? []);
    const claims: Record<string, unknown> = {};
    if (app?.groupMembershipClaims === 'DirectoryRole' || app?.groupMembershipClaims === 'All') {
      claims.wids = [...user.directoryRoles.map((r) => DIRECTORY_ROLE_TEMPLATE_IDS[r]).filter(Boolean), USER_ROLE_TEMPLATE_ID];
    }
    if (configured.has('acct')) claims.acct = user.homeTenantId ? 1 : 0;
    if (signIn && (configured.has('auth_time') || (tokenType === 'idToken' && signIn.maxAgeRequested))) claims.auth_time = signIn.authTime;
    if (signIn && tokenType === 'accessToken' && signIn.acrs.length > 0) claims.acrs = signIn.acrs;
    if (user.homeTenantId) claims.idp = v1IssuerFor(this.ctx.origin, user.homeTenantId);
    return claims;
  }

  /** `granted`: the consented scopes a `.default` request resolves to (on-behalf-of). */
  private userClaims(user: User, client: Application, requested: RequestedResource, granted?: string[], signIn?: SignInFacts): Omit<Claims, 'iat' | 'nbf' | 'exp'> {
    const resourceAppId = /^api:\/\/([0-9a-f-]{36})$/i.exec(requested.resource)?.[1] ?? requested.resource;
    const scp = granted?.join(' ') ?? (requested.isDefault
      ? (DEFAULT_DELEGATED_SCOPE[requested.resource] ?? (this.ctx.state.applications.get(resourceAppId)?.apiScopes.join(' ') || 'user_impersonation'))
      : requested.scopes.join(' '));
    const claims = {
      aud: requested.resource, iss: issuerFor(this.ctx.origin, user.tenantId), tid: user.tenantId, oid: user.id,
      sub: pairwiseSubject(user.id, client.appId), name: user.displayName, preferred_username: user.upn, upn: user.upn,
      azp: client.appId, appid: client.appId, scp, idtyp: 'user', amr: ['pwd'], ...this.portalRoles(user, resourceAppId),
      ...this.signInClaims(user, this.ctx.state.applications.get(resourceAppId), 'accessToken', signIn),
    };
    return this.accessTokenVersion(resourceAppId) === 1 ? asV1AccessToken(claims, this.ctx.origin) : claims;
  }

  /** Access tokens for a registered app's API come in the version it asks for (null = 1, as Entra defaults). */
  private accessTokenVersion(resourceAppId: string): 1 | 2 {
    const app = this.ctx.state.applications.get(resourceAppId);
    return app && app.requestedAccessTokenVersion !== 2 ? 1 : 2;
  }

  /**
   * App-only tokens carry in `roles` the app roles of the resource assigned to the client's service principal in
   * this tenant (Graph permissions for Graph, appRoleAssignedTo for a registered API); none assigned = no `roles`.
   */
  private appClaims(sp: ServicePrincipal, resource: string): Omit<Claims, 'iat' | 'nbf' | 'exp'> {
    const resourceAppId = /^api:\/\/([0-9a-f-]{36})$/i.exec(resource)?.[1] ?? resource;
    const roles = resource.replace(/\/$/, '') === GRAPH_RESOURCE ? sp.grantedGraphPermissions : this.ctx.state.assignedAppRoles(sp, resourceAppId);
    const claims = {
      aud: resource, iss: issuerFor(this.ctx.origin, sp.tenantId), tid: sp.tenantId, oid: sp.id, sub: sp.id,
      azp: sp.appId, appid: sp.appId, idtyp: 'app', ...(roles.length > 0 ? { roles } : {}),
    };
    return this.accessTokenVersion(resourceAppId) === 1 ? asV1AccessToken(claims, this.ctx.origin) : claims;
  }

  /** Issues the token the MSI endpoint hands out for a user-assigned identity. */
  managedIdentityToken(identity: { tenantId: string; principalId: string; clientId: string; id: string }, resource: string) {
    const aud = resource.replace(/\/\.default$/, '');
    return this.ctx.signer.sign({
      aud, iss: issuerFor(this.ctx.origin, identity.tenantId), tid: identity.tenantId, oid: identity.principalId,
      sub: identity.principalId, azp: identity.clientId, appid: identity.clientId, idtyp: 'app', xms_mirid: identity.id,
    });
  }
}

function requestedScopeString(requested: RequestedResource): string {
  return requested.isDefault ? `${requested.resource}/.default` : requested.scopes.map((s) => (requested.resource === GRAPH_RESOURCE ? s : `${requested.resource}/${s}`)).join(' ');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The authentication context ids of a claims request: `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` (or `values`). */
function requestedAcrs(claims: string | undefined): string[] {
  if (!claims) return [];
  try {
    const acrs = (JSON.parse(claims) as { access_token?: { acrs?: { value?: unknown; values?: unknown } } }).access_token?.acrs;
    const values = [acrs?.value, ...(Array.isArray(acrs?.values) ? acrs.values : [])];
    return values.filter((v): v is string => typeof v === 'string' && /^c\d{1,2}$/.test(v));
  } catch {
    return [];
  }
}

function clientInfo(user: User): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: user.tenantId })).toString('base64url');
}

/** v2 `sub` is pairwise: stable per user and app, different across apps. */
function pairwiseSubject(userId: string, appId: string): string {
  return createHash('sha256').update(`${userId}|${appId}`).digest('base64url').slice(0, 43);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;color:#1b1b1b}
h1{font-size:22px}h2{font-size:15px;margin:20px 0 6px}small{color:#777;font-weight:normal}ul{list-style:none;padding:0}
li button{display:flex;flex-direction:column;align-items:flex-start;width:100%;padding:10px 12px;margin:4px 0;border:1px solid #ccc;background:#fff;border-radius:4px;cursor:pointer;text-align:left}
li button:hover{background:#f3f6fc}li button span{color:#555;font-size:13px}
form>button{padding:8px 20px;background:#0067b8;color:#fff;border:0;border-radius:2px;cursor:pointer}form>button.secondary{background:#ccc;color:#000}
.error{color:#a80000}.banner{font-size:12px;color:#777;border-bottom:1px solid #eee;padding-bottom:8px}</style></head>
<body><div class="banner">Azure simulator · Microsoft Entra ID (test double)</div><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/** What Entra's consent screen lists: the app's Graph application permissions and the delegated permissions it declares. */
function consentList(app: Application | undefined): string {
  const items = [
    ...(app?.graphApplicationPermissions ?? []).map((p) => `Microsoft Graph application permission ${escapeHtml(p)}`),
    ...(app?.requiredResourceAccess ?? []).flatMap((r) => r.scopes.map((scope) => `Delegated permission ${escapeHtml(scope)} on ${escapeHtml(r.resource)}`)),
  ];
  return items.length ? items.map((item) => `<li>${item}</li>`).join('') : '<li>No permissions: the app only signs in to your organization as itself</li>';
}
