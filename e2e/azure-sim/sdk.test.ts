/** The real Azure SDK clients against the simulator: each completes its calls, including LROs, OBO and a federated cross-tenant token. */
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ComputeManagementClient } from '@azure/arm-compute';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { ClientAssertionCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { BUILTIN_ROLES, PERSONAS, SIM } from './seed';
import { ARM_SCOPE, personaCredential, portalApiToken, signInForCode } from './testing';

let sim: SimHandle;
const contoso = SIM.customers.contoso;
const fast = { updateIntervalInMs: 20 };

beforeAll(async () => {
  sim = await startSimulator({ lroDurationMs: 100, rotationDelayMs: 50 });
  Object.assign(process.env, { IDENTITY_ENDPOINT: sim.appEnv().IDENTITY_ENDPOINT, IDENTITY_HEADER: sim.appEnv().IDENTITY_HEADER });
});
afterAll(async () => sim.stop());
beforeEach(() => sim.reset());

const armOptions = () => ({ endpoint: `${sim.url}/arm`, credentialScopes: [ARM_SCOPE], credentials: { scopes: [ARM_SCOPE] } });
const managedIdentity = () => new ManagedIdentityCredential({ clientId: SIM.uami.clientId });
/** The provider's cross-tenant credential: UAMI token → federated assertion for the CMK app in the customer tenant. */
const cmkAppCredential = (tenantId: string) => new ClientAssertionCredential(tenantId, SIM.cmkAppClientId,
  async () => (await managedIdentity().getToken('api://AzureADTokenExchange/.default')).token,
  { authorityHost: sim.url, disableInstanceDiscovery: true });
const cmkSpId = () => sim.state.servicePrincipal(SIM.cmkAppClientId, contoso.tenantId)?.id ?? '';

/** Consent + Crypto Service Encryption User on the Contoso vault for the CMK app (the customer's onboarding). */
async function onboardContoso(): Promise<void> {
  sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  const auth = new AuthorizationManagementClient(await personaCredential(sim, 'contosoAdmin'), contoso.subscriptionId, armOptions());
  const vaultId = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
  await auth.roleAssignments.create(vaultId, randomUUID(), {
    roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
    principalId: cmkSpId(), principalType: 'ServicePrincipal',
  });
}

async function contosoKeyUrl(): Promise<string> {
  const keys = new KeyClient(sim.state.vaultUri(sim.state.vaultByName(contoso.vaultName)!), await personaCredential(sim, 'contosoKeyAdmin'));
  return (await keys.getKey(contoso.keyName)).id ?? '';
}

const desParams = (keyUrl: string) => ({
  location: 'westeurope', encryptionType: 'EncryptionAtRestWithCustomerKey' as const, activeKey: { keyUrl },
  federatedClientId: SIM.cmkAppClientId, rotationToLatestKeyVersionEnabled: true,
  identity: { type: 'UserAssigned' as const, userAssignedIdentities: { [SIM.uami.resourceId]: {} } },
});

describe('msal-node', () => {
  it('completes auth code + PKCE with nonce and state; the id token verifies against the JWKS', async () => {
    const cca = new ConfidentialClientApplication({ auth: { clientId: SIM.portalClientId, clientSecret: SIM.portalClientSecret,
      authority: `${sim.url}/${SIM.providerTenantId}`, knownAuthorities: [`localhost:${sim.port}`] } });
    const signIn = await signInForCode(sim, 'operator', SIM.portalApiScope);
    expect(signIn.state).toMatch(/^[0-9a-f]{16}$/);
    const result = await cca.acquireTokenByCode({ code: signIn.code, redirectUri: signIn.redirectUri, scopes: [SIM.portalApiScope],
      codeVerifier: signIn.codeVerifier, nonce: signIn.nonce } as Parameters<typeof cca.acquireTokenByCode>[0]);
    const jwks = createRemoteJWKSet(new URL(`${sim.url}/${SIM.providerTenantId}/discovery/v2.0/keys`));
    const { payload: id } = await jwtVerify(result.idToken, jwks, { issuer: `${sim.url}/${SIM.providerTenantId}/v2.0`, audience: SIM.portalClientId });
    expect(id.nonce).toBe(signIn.nonce);
    const { payload: access } = await jwtVerify(result.accessToken, jwks, { audience: `api://${SIM.portalClientId}` });
    expect(access).toMatchObject({ scp: 'access_as_user', roles: ['Operator'], tid: SIM.providerTenantId, oid: PERSONAS.operator.oid });
  });

  it('rejects a wrong PKCE verifier', async () => {
    const signIn = await signInForCode(sim, 'support', SIM.portalApiScope);
    const response = await fetch(`${sim.url}/${SIM.providerTenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: SIM.portalClientId, code: signIn.code, redirect_uri: signIn.redirectUri, code_verifier: 'wrong' }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_codes: number[] }).error_codes).toEqual([501481]);
  });

  it('gets client-credentials tokens and does on-behalf-of in a customer tenant', async () => {
    const provider = new ConfidentialClientApplication({ auth: { clientId: SIM.portalClientId, clientSecret: SIM.portalClientSecret,
      authority: `${sim.url}/${SIM.providerTenantId}`, knownAuthorities: [`localhost:${sim.port}`] } });
    const appOnly = await provider.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(decodeJwt(appOnly?.accessToken ?? '')).toMatchObject({ idtyp: 'app', tid: SIM.providerTenantId, aud: 'https://graph.microsoft.com' });

    const customer = new ConfidentialClientApplication({ auth: { clientId: SIM.portalClientId, clientSecret: SIM.portalClientSecret,
      authority: `${sim.url}/${contoso.tenantId}`, knownAuthorities: [`localhost:${sim.port}`] } });
    const obo = await customer.acquireTokenOnBehalfOf({ oboAssertion: await portalApiToken(sim, 'contosoAdmin'), scopes: [ARM_SCOPE] });
    expect(decodeJwt(obo?.accessToken ?? '')).toMatchObject({ aud: 'https://management.azure.com', tid: contoso.tenantId, oid: PERSONAS.contosoAdmin.oid, scp: 'user_impersonation' });
  });
});

describe('@azure/identity', () => {
  it('ClientSecretCredential, ManagedIdentityCredential and a federated cross-tenant token', async () => {
    const secret = new ClientSecretCredential(SIM.providerTenantId, SIM.portalClientId, SIM.portalClientSecret, { authorityHost: sim.url, disableInstanceDiscovery: true });
    expect(decodeJwt((await secret.getToken(ARM_SCOPE)).token).tid).toBe(SIM.providerTenantId);
    const mi = await managedIdentity().getToken('api://AzureADTokenExchange/.default');
    expect(decodeJwt(mi.token)).toMatchObject({ aud: 'api://AzureADTokenExchange', sub: SIM.uami.principalId, iss: `${sim.url}/${SIM.providerTenantId}/v2.0` });

    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const crossTenant = await cmkAppCredential(contoso.tenantId).getToken('https://vault.azure.net/.default');
    expect(decodeJwt(crossTenant.token)).toMatchObject({ tid: contoso.tenantId, appid: SIM.cmkAppClientId, oid: cmkSpId(), idtyp: 'app' });
  });

  it('refuses the federated token where the app has no service principal (no consent)', async () => {
    await expect(cmkAppCredential(SIM.customers.fabrikam.tenantId).getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS700016/);
  });
});

describe('ARM clients', () => {
  it('arm-resources-subscriptions lists the caller\'s subscriptions and locations', async () => {
    const client = new SubscriptionClient(await personaCredential(sim, 'contosoAdmin'), armOptions());
    const subs = [];
    for await (const s of client.subscriptions.list()) subs.push(s.subscriptionId);
    expect(subs).toEqual([contoso.subscriptionId]);
    const regions = [];
    for await (const l of client.subscriptions.listLocations(contoso.subscriptionId)) regions.push(l.name);
    expect(regions).toContain('westeurope');
  });

  it('arm-keyvault lists, gets and creates vaults and keys', async () => {
    const client = new KeyVaultManagementClient(await personaCredential(sim, 'contosoKeyAdmin'), contoso.subscriptionId, armOptions());
    const names = [];
    for await (const v of client.vaults.list()) names.push(v.name);
    expect(names).toEqual([contoso.vaultName]);
    const vault = await client.vaults.get(contoso.resourceGroup, contoso.vaultName);
    expect(vault.properties).toMatchObject({ enableRbacAuthorization: true, enablePurgeProtection: true, vaultUri: expect.stringMatching(/^https:\/\/[a-z0-9-]+\.vault\.localhost:\d+\/$/) });
    const created = await client.vaults.beginCreateOrUpdateAndWait(contoso.resourceGroup, 'contoso-second-kv', {
      location: 'westeurope', properties: { tenantId: contoso.tenantId, sku: { family: 'A', name: 'standard' }, enableRbacAuthorization: true, enablePurgeProtection: true },
    });
    expect(created.properties.enablePurgeProtection).toBe(true);
    const key = await client.keys.createIfNotExist(contoso.resourceGroup, contoso.vaultName, 'mgmt-key', { properties: { kty: 'RSA', keySize: 3072 } });
    expect(key.keyUriWithVersion).toBe(`${vault.properties.vaultUri}keys/mgmt-key/${key.keyUriWithVersion?.split('/').pop()}`);
    expect(key.keyUriWithVersion).toMatch(/\/keys\/mgmt-key\/[0-9a-f]{32}$/);
  });

  it('arm-authorization enforces RBAC: keyadmin is refused, admin assigns, a repeat is idempotent', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const vaultId = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
    const assignment = { roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
      principalId: cmkSpId(), principalType: 'ServicePrincipal' };
    const name = randomUUID();
    const asKeyAdmin = new AuthorizationManagementClient(await personaCredential(sim, 'contosoKeyAdmin'), contoso.subscriptionId, armOptions());
    await expect(asKeyAdmin.roleAssignments.create(vaultId, name, assignment)).rejects.toMatchObject({ code: 'AuthorizationFailed', statusCode: 403 });
    const asAdmin = new AuthorizationManagementClient(await personaCredential(sim, 'contosoAdmin'), contoso.subscriptionId, armOptions());
    const created = await asAdmin.roleAssignments.create(vaultId, name, assignment);
    expect(created).toMatchObject({ principalId: cmkSpId(), scope: vaultId });
    await expect(asAdmin.roleAssignments.create(vaultId, name, assignment)).resolves.toMatchObject({ name });
    await expect(asAdmin.roleAssignments.create(vaultId, randomUUID(), assignment)).rejects.toMatchObject({ code: 'RoleAssignmentExists', statusCode: 409 });
    const def = await asAdmin.roleDefinitions.get(vaultId, BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser);
    expect(def.roleName).toBe('Key Vault Crypto Service Encryption User');
  });

  it('arm-msi reads the UAMI and creates a federated identity credential', async () => {
    const client = new ManagedServiceIdentityClient(managedIdentity(), SIM.providerSubscriptionId, armOptions());
    const identity = await client.userAssignedIdentities.get(SIM.providerResourceGroup, SIM.uami.name);
    expect(identity).toMatchObject({ clientId: SIM.uami.clientId, principalId: SIM.uami.principalId, tenantId: SIM.providerTenantId });
    const fic = await client.federatedIdentityCredentials.createOrUpdate(SIM.providerResourceGroup, SIM.uami.name, 'github-deploy',
      { issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:skyline/cmk:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] });
    expect(fic.subject).toBe('repo:skyline/cmk:ref:refs/heads/main');
    const all = [];
    for await (const f of client.federatedIdentityCredentials.list(SIM.providerResourceGroup, SIM.uami.name)) all.push(f.name);
    expect(all).toEqual(['github-deploy']);
  });

  it('arm-compute creates a cross-tenant DES as an LRO, associates a disk, lists it and deallocates a VM', async () => {
    await onboardContoso();
    const compute = new ComputeManagementClient(managedIdentity(), SIM.providerSubscriptionId, armOptions());
    const keyUrl = await contosoKeyUrl();
    const des = await compute.diskEncryptionSets.beginCreateOrUpdateAndWait(SIM.providerResourceGroup, 'contoso-des', desParams(keyUrl), fast);
    expect(des).toMatchObject({ provisioningState: 'Succeeded', federatedClientId: SIM.cmkAppClientId, activeKey: { keyUrl } });
    const ops = [...sim.state.operations.values()];
    expect(ops.some((op) => op.kind === 'create' && op.status === 'Succeeded')).toBe(true);

    await compute.virtualMachines.beginDeallocateAndWait(SIM.providerResourceGroup, 'vm-app-1', fast);
    expect(sim.state.virtualMachines.values().find((vm) => vm.name === 'vm-app-1')?.powerState).toBe('deallocated');
    await compute.disks.beginUpdateAndWait(SIM.providerResourceGroup, 'vm-app-1-osdisk',
      { encryption: { type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSetId: des.id } }, fast);
    const associated = [];
    for await (const id of compute.diskEncryptionSets.listAssociatedResources(SIM.providerResourceGroup, 'contoso-des')) associated.push(id);
    expect(associated).toEqual([expect.stringMatching(/disks\/vm-app-1-osdisk$/)]);
    await compute.virtualMachines.beginStartAndWait(SIM.providerResourceGroup, 'vm-app-1', fast);
  });

  it('arm-compute DES creation fails like Azure for each unusable key', async () => {
    const compute = new ComputeManagementClient(managedIdentity(), SIM.providerSubscriptionId, armOptions());
    const create = (name: string, keyUrl: string, location = 'westeurope') =>
      compute.diskEncryptionSets.beginCreateOrUpdateAndWait(SIM.providerResourceGroup, name, { ...desParams(keyUrl), location }, fast);
    const keyUrl = await contosoKeyUrl();
    await expect(create('no-consent', keyUrl)).rejects.toMatchObject({ code: 'KeyVaultAccessForbidden', message: expect.stringContaining('AADSTS700016') });
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    await expect(create('no-role', keyUrl)).rejects.toMatchObject({ code: 'KeyVaultAccessForbidden', message: expect.stringContaining('ForbiddenByRbac') });
    await onboardContoso();
    await expect(create('unversioned', keyUrl.replace(/\/[0-9a-f]{32}$/, ''))).rejects.toMatchObject({ code: 'InvalidParameter' });
    await expect(create('wrong-region', keyUrl, 'northeurope')).rejects.toMatchObject({ code: 'KeyVaultRegionMismatch' });
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, false);
    await expect(create('disabled', keyUrl)).rejects.toMatchObject({ code: 'KeyDisabled' });
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, true);
    sim.faults.failNextOperations(1, 'InternalExecutionError', 'Boom');
    await expect(create('lro-fails', keyUrl)).rejects.toThrow(/Boom|InternalExecutionError/);
  });
});

describe('@azure/keyvault-keys', () => {
  it('KeyClient get/list/create/update/rotate and CryptographyClient wrap/unwrap round trips', async () => {
    const credential = await personaCredential(sim, 'contosoKeyAdmin');
    const keys = new KeyClient(sim.state.vaultUri(sim.state.vaultByName(contoso.vaultName)!), credential);
    const key = await keys.getKey(contoso.keyName);
    expect(key.keyType).toBe('RSA');
    const names = [];
    for await (const p of keys.listPropertiesOfKeys()) names.push(p.name);
    expect(names).toContain(contoso.keyName);
    const created = await keys.createRsaKey('fresh-key', { keySize: 2048 });
    const updated = await keys.updateKeyProperties('fresh-key', created.properties.version ?? '', { enabled: false, expiresOn: new Date(Date.now() + 86400_000) });
    expect(updated.properties.enabled).toBe(false);
    const rotated = await keys.rotateKey(contoso.keyName);
    expect(rotated.properties.version).not.toBe(key.properties.version);
    const versions = [];
    for await (const v of keys.listPropertiesOfKeyVersions(contoso.keyName)) versions.push(v.version);
    expect(versions).toHaveLength(2);
    await keys.updateKeyRotationPolicy(contoso.keyName, { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }], expiresIn: 'P2Y' });
    expect((await keys.getKeyRotationPolicy(contoso.keyName)).expiresIn).toBe('P2Y');

    const crypto = new CryptographyClient(rotated.id ?? '', credential);
    const secret = randomBytes(32);
    for (const algorithm of ['RSA-OAEP', 'RSA-OAEP-256'] as const) {
      const wrapped = await crypto.wrapKey(algorithm, secret);
      const unwrapped = await crypto.unwrapKey(algorithm, wrapped.result);
      expect(Buffer.from(unwrapped.result).equals(secret)).toBe(true);
    }
  });
});

describe('@microsoft/microsoft-graph-client', () => {
  it('reads the CMK app\'s own service principal with an app-only federated token and no Graph permission; directory reads are refused', async () => {
    sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
    const credential = cmkAppCredential(contoso.tenantId);
    const graph = Client.init({
      baseUrl: `${sim.url}/graph`, customHosts: new Set(['localhost']), defaultVersion: 'v1.0',
      authProvider: (done) => { credential.getToken('https://graph.microsoft.com/.default').then((t) => done(null, t.token), (e: Error) => done(e, null)); },
    });
    const own = await graph.api(`/servicePrincipals(appId='${SIM.cmkAppClientId}')`).select('id,appId').get() as { id: string; appId: string };
    expect(own).toMatchObject({ appId: SIM.cmkAppClientId, id: cmkSpId() });
    await expect(graph.api('/servicePrincipals').filter(`appId eq '${SIM.cmkAppClientId}'`).get()).rejects.toMatchObject({ statusCode: 403, code: 'Authorization_RequestDenied' });
    await expect(graph.api('/organization').get()).rejects.toMatchObject({ statusCode: 403 });
  });
});
