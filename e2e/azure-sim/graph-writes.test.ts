// Graph application writes and the ARM pieces the provider set-up needs (custom roles, Managed Identity Operator),
// called with real app-only tokens from the simulator's Entra.
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { PROVIDER_EMPTY, providerEmptyScenario } from './provider-empty';
import { isAllowed } from './rbac';
import { BUILTIN_ROLES, SIM, type Scenario } from './seed';

const OTHER_APP = { appId: '88888888-8888-4888-8888-888888888888', secret: 'sim-other-secret' };
const NO_PERMISSION_APP = { appId: '99999999-9999-4999-8999-999999999999', secret: 'sim-no-permission-secret' };
const scenario = (origin: string): Scenario => {
  const base = providerEmptyScenario(origin);
  return { ...base, applications: [...(base.applications ?? []),
    { appId: OTHER_APP.appId, displayName: 'Someone else’s app', homeTenantId: SIM.providerTenantId, clientSecret: OTHER_APP.secret, graphApplicationPermissions: ['Application.ReadWrite.All'] },
    { appId: NO_PERMISSION_APP.appId, displayName: 'No permission', homeTenantId: SIM.providerTenantId, clientSecret: NO_PERMISSION_APP.secret }] };
};

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true, scenario });
});
afterAll(async () => {
  await sim?.stop();
});

async function graph(app: { appId: string; secret: string }, method: string, path: string, body?: unknown) {
  const credential = new ClientSecretCredential(SIM.providerTenantId, app.appId, app.secret, { authorityHost: sim.url, disableInstanceDiscovery: true });
  const token = await credential.getToken('https://graph.microsoft.com/.default');
  const response = await fetch(`${sim.url}/graph/v1.0${path}`, { method, headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { error?: { code: string; message: string } } };
}
const setup = { appId: PROVIDER_EMPTY.setupClientId, secret: PROVIDER_EMPTY.setupClientSecret };
const role = (value: string, id: string, isEnabled = true) => ({ id, value, displayName: value, description: value, allowedMemberTypes: ['User'], isEnabled });

describe('Graph application writes', () => {
  it('creates a registration app-only with Application.ReadWrite.OwnedBy and reads back every property it wrote', async () => {
    const created = await graph(setup, 'POST', '/applications', {
      displayName: 'Written', signInAudience: 'AzureADMultipleOrgs', spa: { redirectUris: ['http://localhost:3000/auth/callback'] },
      web: { redirectUris: ['https://cmk.example.com/api/consent/callback'] }, appRoles: [role('Operator', '1b4f816e-5eaf-48b9-8613-7923830595ad')],
      api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ id: '2b4f816e-5eaf-48b9-8613-7923830595ad', value: 'access_as_user', type: 'User',
        adminConsentDisplayName: 'Use it', adminConsentDescription: 'Use it' }] },
      requiredResourceAccess: [{ resourceAppId: '797f4846-ba00-4fd7-ba43-dac1f8f63013', resourceAccess: [{ id: '41094075-9dad-400e-a0bd-54e686782033', type: 'Scope' }] }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const appId = created.body.appId as string;
    expect((await graph(setup, 'PATCH', `/applications/${id}`, { identifierUris: [`api://${appId}`] })).status).toBe(204);
    const read = await graph(setup, 'GET', `/applications/${id}`);
    expect(read.body).toMatchObject({ appId, signInAudience: 'AzureADMultipleOrgs', identifierUris: [`api://${appId}`],
      spa: { redirectUris: ['http://localhost:3000/auth/callback'] }, web: { redirectUris: ['https://cmk.example.com/api/consent/callback'] },
      api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ value: 'access_as_user', isEnabled: true }] }, appRoles: [{ value: 'Operator', isEnabled: true }],
      requiredResourceAccess: [{ resourceAppId: '797f4846-ba00-4fd7-ba43-dac1f8f63013', resourceAccess: [{ id: '41094075-9dad-400e-a0bd-54e686782033', type: 'Scope' }] }] });
    // Sign-in and on-behalf-of see the same registration.
    expect(sim.state.applications.get(appId)).toMatchObject({ spaRedirectUris: ['http://localhost:3000/auth/callback'], requestedAccessTokenVersion: 2,
      requiredResourceAccess: [{ resource: 'https://management.azure.com', scopes: ['user_impersonation'] }] });
  });

  it('Application.ReadWrite.OwnedBy may change only apps it owns; Application.ReadWrite.All may change any; no permission may create none', async () => {
    const mine = await graph(setup, 'POST', '/applications', { displayName: 'Mine' });
    const theirs = await graph(OTHER_APP, 'POST', '/applications', { displayName: 'Theirs' });
    expect((await graph(setup, 'PATCH', `/applications/${theirs.body.id as string}`, { displayName: 'Taken' })).body.error?.code).toBe('Authorization_RequestDenied');
    expect((await graph(setup, 'POST', `/applications/${theirs.body.id as string}/federatedIdentityCredentials`,
      { name: 'x', issuer: 'https://issuer.example', subject: 's', audiences: ['api://AzureADTokenExchange'] })).status).toBe(403);
    expect((await graph(OTHER_APP, 'PATCH', `/applications/${mine.body.id as string}`, { displayName: 'Renamed' })).status).toBe(204);
    expect((await graph(NO_PERMISSION_APP, 'POST', '/applications', { displayName: 'Nope' })).status).toBe(403);
  });

  it('an enabled app role cannot be removed or changed until it is disabled', async () => {
    const app = await graph(setup, 'POST', '/applications', { displayName: 'Roles', appRoles: [role('Support', '3b4f816e-5eaf-48b9-8613-7923830595ad')] });
    const path = `/applications/${app.body.id as string}`;
    const removed = await graph(setup, 'PATCH', path, { appRoles: [] });
    expect(removed).toMatchObject({ status: 400, body: { error: { code: 'CannotDeleteOrUpdateEnabledEntitlement', message: expect.stringContaining('cannot be deleted or updated unless disabled first') } } });
    const reworded = await graph(setup, 'PATCH', path, { appRoles: [{ ...role('Support', '3b4f816e-5eaf-48b9-8613-7923830595ad'), description: 'Reworded' }] });
    expect(reworded.body.error?.code).toBe('CannotDeleteOrUpdateEnabledEntitlement');
    expect((await graph(setup, 'PATCH', path, { appRoles: [role('Support', '3b4f816e-5eaf-48b9-8613-7923830595ad')] })).status).toBe(204);
    expect((await graph(setup, 'PATCH', path, { appRoles: [role('Support', '3b4f816e-5eaf-48b9-8613-7923830595ad', false)] })).status).toBe(204);
    expect((await graph(setup, 'PATCH', path, { appRoles: [] })).status).toBe(204);
  });

  it('a refused PATCH changes nothing (http redirect URIs only for localhost)', async () => {
    const app = await graph(setup, 'POST', '/applications', { displayName: 'Atomic', web: { redirectUris: ['https://ok.example.com/cb'] } });
    const refused = await graph(setup, 'PATCH', `/applications/${app.body.id as string}`, { displayName: 'Changed', web: { redirectUris: ['http://cmk.example.com/cb'] } });
    expect(refused.status).toBe(400);
    expect((await graph(setup, 'GET', `/applications/${app.body.id as string}`)).body).toMatchObject({ displayName: 'Atomic', web: { redirectUris: ['https://ok.example.com/cb'] } });
  });

  it('creates a service principal once (then 409) and adds a password usable as client secret', async () => {
    const app = await graph(setup, 'POST', '/applications', { displayName: 'With SP', signInAudience: 'AzureADMultipleOrgs' });
    const appId = app.body.appId as string;
    expect((await graph(setup, 'POST', '/servicePrincipals', { appId })).status).toBe(201);
    expect((await graph(setup, 'POST', '/servicePrincipals', { appId })).body.error?.code).toBe('Request_MultipleObjectsWithSameKeyValue');
    const password = await graph(setup, 'POST', `/applications/${app.body.id as string}/addPassword`, { passwordCredential: { displayName: 'ci' } });
    expect(password.body).toMatchObject({ secretText: expect.any(String), displayName: 'ci' });
    const token = await new ClientSecretCredential(SIM.providerTenantId, appId, password.body.secretText as string, { authorityHost: sim.url, disableInstanceDiscovery: true })
      .getToken('https://management.azure.com/.default');
    expect(token.token).toBeTruthy();
    expect((await graph(setup, 'GET', `/applications/${app.body.id as string}`)).body.passwordCredentials).toEqual([expect.objectContaining({ displayName: 'ci', secretText: null })]);
  });
});

describe('ARM for the provider set-up', () => {
  async function arm(method: string, path: string, body?: unknown) {
    const credential = new ClientSecretCredential(SIM.providerTenantId, setup.appId, setup.secret, { authorityHost: sim.url, disableInstanceDiscovery: true });
    const token = await credential.getToken('https://management.azure.com/.default');
    const response = await fetch(`${sim.url}/arm${path}?api-version=2022-04-01`, { method, headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { error?: { code: string } } & Record<string, unknown> };
  }
  const sub = `/subscriptions/${SIM.providerSubscriptionId}`;
  const definition = (roleName: string) => ({ properties: { roleName, description: 'd', type: 'CustomRole', assignableScopes: [`${sub}/resourceGroups/${PROVIDER_EMPTY.workloadResourceGroup}`],
    permissions: [{ actions: ['Microsoft.Compute/virtualMachines/read'], notActions: [], dataActions: [], notDataActions: [] }] } });

  it('creates a custom role that role assignments can use; role names are unique per directory', async () => {
    const created = await arm('PUT', `${sub}/providers/Microsoft.Authorization/roleDefinitions/4b4f816e-5eaf-48b9-8613-7923830595ad`, definition('VM reader'));
    expect(created).toMatchObject({ status: 201, body: { properties: { roleName: 'VM reader', type: 'CustomRole' } } });
    expect((await arm('PUT', `${sub}/providers/Microsoft.Authorization/roleDefinitions/4b4f816e-5eaf-48b9-8613-7923830595ad`, definition('VM reader'))).status).toBe(200);
    expect((await arm('PUT', `${sub}/providers/Microsoft.Authorization/roleDefinitions/5b4f816e-5eaf-48b9-8613-7923830595ad`, definition('VM reader'))).body.error?.code)
      .toBe('RoleDefinitionWithSameNameExists');
    const scope = `${sub}/resourceGroups/${PROVIDER_EMPTY.workloadResourceGroup}`;
    const assigned = await arm('PUT', `${scope}/providers/Microsoft.Authorization/roleAssignments/6b4f816e-5eaf-48b9-8613-7923830595ad`, { properties: {
      roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/4b4f816e-5eaf-48b9-8613-7923830595ad`, principalId: PROVIDER_EMPTY.setupServicePrincipalId, principalType: 'ServicePrincipal' } });
    expect(assigned.status).toBe(201);
  });

  it("Managed Identity Operator's userAssignedIdentities/*/assign/action grants userAssignedIdentities/assign/action (and */read the read)", () => {
    const identity = `${sub}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi`;
    sim.state.roleAssignments.set({ id: `${identity}/providers/Microsoft.Authorization/roleAssignments/x`, name: 'x', scope: identity, roleDefinitionId: BUILTIN_ROLES.managedIdentityOperator,
      principalId: 'p', principalType: 'ServicePrincipal', createdOn: '', effectiveAt: 0 });
    const may = (action: string) => isAllowed(sim.state, { principalId: 'p', resourceId: identity, action, data: false });
    expect(may('Microsoft.ManagedIdentity/userAssignedIdentities/assign/action')).toBe(true);
    expect(may('Microsoft.ManagedIdentity/userAssignedIdentities/read')).toBe(true);
    expect(may('Microsoft.ManagedIdentity/userAssignedIdentities/write')).toBe(false);
  });
});
