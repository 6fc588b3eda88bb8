/** Faults, consent gating, role propagation, auto-rotation and token checks, through the real SDKs where one exists. */
import { ComputeManagementClient } from '@azure/arm-compute';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { ClientAssertionCredential, ManagedIdentityCredential } from '@azure/identity';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { BUILTIN_ROLES, PERSONAS, SIM, type PersonaName } from './seed';
import { ARM_SCOPE, personaCredential, TEST_REDIRECT_URI } from './testing';

let sim: SimHandle;
const contoso = SIM.customers.contoso;
const vaultId = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
const fast = { updateIntervalInMs: 20 };

beforeAll(async () => {
  sim = await startSimulator({ lroDurationMs: 50, rotationDelayMs: 10_000 });
  Object.assign(process.env, { IDENTITY_ENDPOINT: sim.appEnv().IDENTITY_ENDPOINT, IDENTITY_HEADER: sim.appEnv().IDENTITY_HEADER });
});
afterAll(async () => sim.stop());
beforeEach(() => {
  sim.reset();
  sim.faults.setSettings({ propagationDelayMs: 0 });
});

const mi = () => new ManagedIdentityCredential({ clientId: SIM.uami.clientId });
const cmkCredential = (tenantId: string) => new ClientAssertionCredential(tenantId, SIM.cmkAppClientId,
  async () => (await mi().getToken('api://AzureADTokenExchange/.default')).token, { authorityHost: sim.url, disableInstanceDiscovery: true });
const vaultUri = () => sim.state.vaultUri(sim.state.vaultByName(contoso.vaultName)!);

/** Drives /v2.0/adminconsent as `persona` and returns the redirect's query parameters. */
async function adminConsent(persona: PersonaName, decision: 'accept' | 'cancel'): Promise<URLSearchParams> {
  const url = `${sim.url}/organizations/v2.0/adminconsent?${new URLSearchParams({ client_id: SIM.cmkAppClientId,
    scope: 'https://graph.microsoft.com/.default', redirect_uri: TEST_REDIRECT_URI, state: 'xyz' })}`;
  const form = (fields: Record<string, string>) => fetch(url, { method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  const page = await (await fetch(url)).text();
  const requestId = /name="sim_request" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const consentPage = await (await form({ sim_request: requestId, sim_user: PERSONAS[persona].oid })).text();
  expect(consentPage).toContain(PERSONAS[persona].upn);
  const done = await form({ sim_request: requestId, sim_decision: decision });
  return new URL(done.headers.get('location') ?? '').searchParams;
}

describe('admin consent gates federated tokens', () => {
  it('no service principal → AADSTS700016; admin approves → token; non-admin and decline → access_denied', async () => {
    await expect(cmkCredential(contoso.tenantId).getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS700016/);

    const userResult = await adminConsent('contosoUser', 'accept');
    expect(Object.fromEntries(userResult)).toMatchObject({ error: 'access_denied', state: 'xyz' });
    expect(userResult.get('error_description')).toMatch(/^AADSTS90094/);
    const declined = await adminConsent('contosoAdmin', 'cancel');
    expect(declined.get('error_description')).toMatch(/^AADSTS65004/);
    sim.faults.denyConsent(contoso.tenantId);
    expect((await adminConsent('contosoAdmin', 'accept')).get('error')).toBe('access_denied');
    sim.faults.denyConsent(contoso.tenantId, false);

    const approved = await adminConsent('contosoAdmin', 'accept');
    expect(Object.fromEntries(approved)).toMatchObject({ admin_consent: 'True', tenant: contoso.tenantId, state: 'xyz' });
    await expect(cmkCredential(contoso.tenantId).getToken('https://graph.microsoft.com/.default')).resolves.toHaveProperty('token');
  });
});

describe('faults', () => {
  it('throttles the next N ARM calls with 429 + Retry-After; the SDK retries and succeeds', async () => {
    const client = new KeyVaultManagementClient(await personaCredential(sim, 'contosoKeyAdmin'), contoso.subscriptionId,
      { endpoint: `${sim.url}/arm`, credentials: { scopes: [ARM_SCOPE] } });
    sim.faults.throttle('arm', 2, 1);
    const started = Date.now();
    const vault = await client.vaults.get(contoso.resourceGroup, contoso.vaultName);
    expect(vault.name).toBe(contoso.vaultName);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('answers 5xx on demand', async () => {
    sim.faults.serverError('graph', 1, 503);
    const response = await fetch(`${sim.url}/graph/v1.0/organization`);
    expect(response.status).toBe(503);
    expect((await fetch(`${sim.url}/graph/v1.0/organization`)).status).toBe(401);
  });

  it('role propagation delay: data-plane 403 ForbiddenByRbac until the delay has passed', async () => {
    sim.faults.setSettings({ propagationDelayMs: 400 });
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const { AuthorizationManagementClient } = await import('@azure/arm-authorization');
    const auth = new AuthorizationManagementClient(await personaCredential(sim, 'contosoAdmin'), contoso.subscriptionId,
      { endpoint: `${sim.url}/arm`, credentialScopes: [ARM_SCOPE] });
    await auth.roleAssignments.create(vaultId, 'a1b2c3d4-0000-4000-8000-000000000001', {
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
      principalId: sim.state.servicePrincipal(SIM.cmkAppClientId, contoso.tenantId)!.id, principalType: 'ServicePrincipal' });
    const keys = new KeyClient(vaultUri(), cmkCredential(contoso.tenantId), { retryOptions: { maxRetries: 0 } });
    await expect(keys.getKey(contoso.keyName)).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
    await new Promise((r) => setTimeout(r, 450));
    const key = await keys.getKey(contoso.keyName);
    const crypto = new CryptographyClient(key, cmkCredential(contoso.tenantId));
    const wrapped = await crypto.wrapKey('RSA-OAEP', randomBytes(32));
    expect(wrapped.result.length).toBe(384);
  });

  it('stalls an LRO until released, and disabled keys refuse wrap', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    sim.faults.stallNextOperations(1);
    const compute = new ComputeManagementClient(mi(), SIM.providerSubscriptionId, { endpoint: `${sim.url}/arm` });
    const poller = compute.virtualMachines.beginDeallocateAndWait(SIM.providerResourceGroup, 'vm-app-2', fast);
    await new Promise((r) => setTimeout(r, 200));
    expect([...sim.state.operations.values()].map((op) => op.status)).toEqual(['InProgress']);
    expect(sim.faults.releaseStalledOperations()).toBe(1);
    await poller;
    expect(sim.state.virtualMachines.values().find((vm) => vm.name === 'vm-app-2')?.powerState).toBe('deallocated');

    const keys = new KeyClient(vaultUri(), await personaCredential(sim, 'contosoKeyAdmin'));
    const key = await keys.getKey(contoso.keyName);
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, false);
    const crypto = new CryptographyClient(key.id!, await personaCredential(sim, 'contosoKeyAdmin'));
    await expect(crypto.unwrapKey('RSA-OAEP', randomBytes(384))).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('automatic key rotation', () => {
  it('a DES with rotationToLatestKeyVersionEnabled follows a new key version (previousKeys while Updating), or records autoKeyRotationError', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const spId = sim.state.servicePrincipal(SIM.cmkAppClientId, contoso.tenantId)!.id;
    sim.state.roleAssignments.set({ id: `${vaultId}/providers/Microsoft.Authorization/roleAssignments/x`, name: 'x', scope: vaultId,
      roleDefinitionId: BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser, principalId: spId, principalType: 'ServicePrincipal', createdOn: '', effectiveAt: 0 });
    const keys = new KeyClient(vaultUri(), await personaCredential(sim, 'contosoKeyAdmin'));
    const original = await keys.getKey(contoso.keyName);
    const compute = new ComputeManagementClient(mi(), SIM.providerSubscriptionId, { endpoint: `${sim.url}/arm` });
    await compute.diskEncryptionSets.beginCreateOrUpdateAndWait(SIM.providerResourceGroup, 'rotating-des', {
      location: 'westeurope', encryptionType: 'EncryptionAtRestWithCustomerKey', activeKey: { keyUrl: original.id! }, federatedClientId: SIM.cmkAppClientId,
      rotationToLatestKeyVersionEnabled: true, identity: { type: 'UserAssigned', userAssignedIdentities: { [SIM.uami.resourceId]: {} } } }, fast);

    const rotated = await keys.rotateKey(contoso.keyName);
    expect(sim.faults.tick()).toBe(1);
    const updating = await compute.diskEncryptionSets.get(SIM.providerResourceGroup, 'rotating-des');
    expect(updating).toMatchObject({ provisioningState: 'Updating', activeKey: { keyUrl: rotated.id }, previousKeys: [{ keyUrl: original.id }] });
    expect(updating.lastKeyRotationTimestamp).toBeInstanceOf(Date);
    sim.faults.tick();
    expect(await compute.diskEncryptionSets.get(SIM.providerResourceGroup, 'rotating-des')).toMatchObject({ provisioningState: 'Succeeded', previousKeys: [] });

    sim.faults.removeRoleAssignments({ principalId: spId });
    await keys.rotateKey(contoso.keyName);
    sim.faults.tick();
    const failed = await compute.diskEncryptionSets.get(SIM.providerResourceGroup, 'rotating-des');
    expect(failed.activeKey?.keyUrl).toBe(rotated.id);
    expect(failed.autoKeyRotationError?.code).toBe('KeyVaultAccessForbidden');
  });
});

describe('token checks', () => {
  const armUrl = () => `${sim.url}/arm/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}?api-version=2025-04-01`;

  it('ARM: missing api-version, missing/foreign-tenant/wrong-audience tokens answer like Azure', async () => {
    expect(await (await fetch(armUrl().replace(/\?.*/, ''))).json()).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    const missing = await fetch(armUrl());
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    const providerToken = (await mi().getToken(ARM_SCOPE)).token;
    expect(await (await fetch(armUrl(), { headers: { authorization: `Bearer ${providerToken}` } })).json()).toMatchObject({ error: { code: 'InvalidAuthenticationTokenTenant' } });
    const vaultToken = (await mi().getToken('https://vault.azure.net/.default')).token;
    const url = `${sim.url}/arm/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}?api-version=2025-04-01`;
    expect(await (await fetch(url, { headers: { authorization: `Bearer ${vaultToken}` } })).json()).toMatchObject({ error: { code: 'InvalidAuthenticationTokenAudience' } });
    expect(await (await fetch(url, { headers: { authorization: `Bearer ${providerToken.slice(0, -4)}AAAA` } })).json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });

  it('Key Vault: the first call gets the bearer challenge naming the vault tenant; a firewall blocks public access', async () => {
    const response = await fetch(`${vaultUri()}keys?api-version=7.5`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer authorization="${sim.url}/${contoso.tenantId}", resource="https://vault.localhost"`);
    sim.state.vaultByName(contoso.vaultName)!.publicNetworkAccess = 'Disabled';
    const keys = new KeyClient(vaultUri(), await personaCredential(sim, 'contosoKeyAdmin'));
    await expect(keys.getKey(contoso.keyName)).rejects.toMatchObject({ statusCode: 403, message: expect.stringContaining('Public network access is disabled') });
  });
});
