/** Microsoft Graph permissions of app-only callers, service principal replication and who may grant admin consent. */
import { ClientAssertionCredential, ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { PERSONAS, SIM, type PersonaName } from './seed';

let sim: SimHandle;
const contoso = SIM.customers.contoso;
const CONSENT_REDIRECT_URI = 'http://localhost:3000/api/consent/callback';

beforeAll(async () => {
  sim = await startSimulator();
  Object.assign(process.env, { IDENTITY_ENDPOINT: sim.appEnv().IDENTITY_ENDPOINT, IDENTITY_HEADER: sim.appEnv().IDENTITY_HEADER });
});
afterAll(async () => sim.stop());
beforeEach(() => {
  sim.reset();
  sim.faults.setSettings({ servicePrincipalReplicationMs: 0 });
});

/** The CMK app in `tenantId`, app-only, through its federated credential (as the product gets it). */
function cmkCredential(tenantId: string) {
  const mi = new ManagedIdentityCredential({ clientId: SIM.uami.clientId });
  return new ClientAssertionCredential(tenantId, SIM.cmkAppClientId, async () => (await mi.getToken('api://AzureADTokenExchange/.default')).token,
    { authorityHost: sim.url, disableInstanceDiscovery: true });
}

async function graphGet(tenantId: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = await cmkCredential(tenantId).getToken('https://graph.microsoft.com/.default');
  const response = await fetch(`${sim.url}/graph/v1.0${path}`, { headers: { authorization: `Bearer ${token.token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const errorCode = (body: Record<string, unknown>) => (body.error as { code?: string } | undefined)?.code;

/** Drives /v2.0/adminconsent for the CMK app as `persona` and returns the redirect's query parameters. */
async function adminConsent(persona: PersonaName): Promise<URLSearchParams> {
  const url = `${sim.url}/${PERSONAS[persona].tenantId}/v2.0/adminconsent?${new URLSearchParams({ client_id: SIM.cmkAppClientId,
    scope: 'https://graph.microsoft.com/.default', redirect_uri: CONSENT_REDIRECT_URI, state: 'st' })}`;
  const form = (fields: Record<string, string>) => fetch(url, { method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  const requestId = /name="sim_request" value="([^"]+)"/.exec(await (await fetch(url)).text())?.[1] ?? '';
  await form({ sim_request: requestId, sim_user: PERSONAS[persona].oid });
  const done = await form({ sim_request: requestId, sim_decision: 'accept' });
  return new URL(done.headers.get('location') ?? '').searchParams;
}

describe('Graph app-only permissions', () => {
  it('the CMK app holds no Graph application permission: its token carries no roles', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const token = await cmkCredential(contoso.tenantId).getToken('https://graph.microsoft.com/.default');
    const claims = JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString()) as { roles?: string[]; idtyp: string };
    expect(claims).toMatchObject({ idtyp: 'app' });
    expect(claims.roles).toBeUndefined();
  });

  it('listing or filtering service principals needs Application.Read.All; reading its own service principal needs nothing', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const listed = await graphGet(contoso.tenantId, `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${SIM.cmkAppClientId}'`)}`);
    expect(listed.status).toBe(403);
    expect(errorCode(listed.body)).toBe('Authorization_RequestDenied');

    const own = await graphGet(contoso.tenantId, `/servicePrincipals(appId='${SIM.cmkAppClientId}')`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ '@odata.context': `${sim.url}/graph/v1.0/$metadata#servicePrincipals/$entity`, appId: SIM.cmkAppClientId,
      id: sim.state.servicePrincipal(SIM.cmkAppClientId, contoso.tenantId)?.id, appOwnerOrganizationId: SIM.providerTenantId, servicePrincipalType: 'Application' });
    expect((await graphGet(contoso.tenantId, `/servicePrincipals/${String(own.body.id)}`)).status).toBe(200);
    // Another app's service principal is not "self".
    expect((await graphGet(contoso.tenantId, `/servicePrincipals(appId='${SIM.portalClientId}')`)).status).toBe(403);
  });

  it('with Application.Read.All the list works and an absent service principal is 404 Request_ResourceNotFound', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const sp = sim.state.servicePrincipal(SIM.cmkAppClientId, contoso.tenantId);
    if (!sp) throw new Error('no service principal');
    sp.grantedGraphPermissions = ['Application.Read.All'];
    const listed = await graphGet(contoso.tenantId, `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${SIM.cmkAppClientId}'`)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.value).toEqual([expect.objectContaining({ appId: SIM.cmkAppClientId })]);
    const absent = await graphGet(contoso.tenantId, "/servicePrincipals(appId='0bd5cf6c-3f61-4a0f-9a57-6d1e5d2f7a10')");
    expect(absent.status).toBe(404);
    expect(errorCode(absent.body)).toBe('Request_ResourceNotFound');
  });

  it('$select returns only the named properties, names them in @odata.context, and refuses unknown ones', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const selected = await graphGet(contoso.tenantId, `/servicePrincipals(appId='${SIM.cmkAppClientId}')?$select=id,appId,displayName,appOwnerOrganizationId`);
    expect(Object.keys(selected.body).sort()).toEqual(['@odata.context', 'appId', 'appOwnerOrganizationId', 'displayName', 'id']);
    expect(selected.body['@odata.context']).toBe(`${sim.url}/graph/v1.0/$metadata#servicePrincipals(id,appId,displayName,appOwnerOrganizationId)/$entity`);
    const bad = await graphGet(contoso.tenantId, `/servicePrincipals(appId='${SIM.cmkAppClientId}')?$select=id,noSuchProperty`);
    expect(bad.status).toBe(400);
  });

  it('in its home tenant the app reads its own application object, but not its federated credentials', async () => {
    const own = await graphGet(SIM.providerTenantId, `/applications(appId='${SIM.cmkAppClientId}')?$select=id,appId,signInAudience`);
    expect(own).toMatchObject({ status: 200, body: { appId: SIM.cmkAppClientId, signInAudience: 'AzureADMultipleOrgs' } });
    const full = await graphGet(SIM.providerTenantId, `/applications(appId='${SIM.cmkAppClientId}')`);
    expect(full.body).toMatchObject({ requiredResourceAccess: [{ resourceAppId: '00000003-0000-0000-c000-000000000000', resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }] }] });
    const fics = await graphGet(SIM.providerTenantId, `/applications/${String(own.body.id)}/federatedIdentityCredentials`);
    expect(fics.status).toBe(403);
    expect((await graphGet(SIM.providerTenantId, `/applications(appId='${SIM.portalClientId}')`)).status).toBe(403);
    expect((await graphGet(SIM.providerTenantId, '/applications')).status).toBe(403);
  });
});

describe('service principal replication after consent', () => {
  it('a new service principal is invisible to token requests and Graph until the replication delay has passed', async () => {
    sim.faults.setSettings({ servicePrincipalReplicationMs: 600 });
    expect((await adminConsent('contosoAdmin')).get('admin_consent')).toBe('True');
    await expect(cmkCredential(contoso.tenantId).getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS700016/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await graphGet(contoso.tenantId, `/servicePrincipals(appId='${SIM.cmkAppClientId}')`)).status).toBe(200);
  });
});

describe('who may grant admin consent', () => {
  const setRoles = (persona: PersonaName, roles: string[]) => {
    const user = sim.state.users.get(PERSONAS[persona].oid);
    if (!user) throw new Error(`no user ${persona}`);
    user.directoryRoles = roles;
  };

  it('an Application Administrator may consent to an app without Graph application permissions', async () => {
    setRoles('contosoKeyAdmin', ['Application Administrator']);
    expect(Object.fromEntries(await adminConsent('contosoKeyAdmin'))).toMatchObject({ admin_consent: 'True', tenant: contoso.tenantId });
  });

  it('Graph application permissions need a Global or Privileged Role Administrator', async () => {
    const app = sim.state.applications.get(SIM.cmkAppClientId);
    if (!app) throw new Error('no CMK app');
    app.graphApplicationPermissions = ['Application.Read.All'];
    for (const role of ['Application Administrator', 'Cloud Application Administrator']) {
      setRoles('contosoKeyAdmin', [role]);
      const refused = await adminConsent('contosoKeyAdmin');
      expect(refused.get('error')).toBe('access_denied');
      expect(refused.get('error_description')).toMatch(/^AADSTS90094/);
    }
    expect(sim.state.servicePrincipal(SIM.cmkAppClientId, contoso.tenantId)).toBeUndefined();
    setRoles('contosoKeyAdmin', ['Privileged Role Administrator']);
    expect((await adminConsent('contosoKeyAdmin')).get('admin_consent')).toBe('True');
  });
});
