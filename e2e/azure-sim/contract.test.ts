/**
 * Contract tests: for each Azure REST example this simulator serves, make the equivalent request
 * and compare the response's shape (keys, nesting, JSON types, status code) with the example's.
 * Values are not compared, and no example is used as a canned answer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './ca';
import { startSimulator, type SimHandle } from './index';
import { BUILTIN_ROLES, PERSONAS, SIM, type PersonaName } from './seed';
import { portalApiToken } from './testing';

// Copies of Azure's REST examples, kept in the repository (see specs/README.md for sources and API versions).
const SPECS = path.resolve(repoRoot, 'e2e/azure-sim/specs');
/** Values that are maps of user data (tag names, identity ids): their keys are not part of the shape. */
const MAP_KEYS = new Set(['tags', 'userAssignedIdentities']);

interface Example { responses: Record<string, { body?: unknown }> }

/** Differences between the example's shape and the actual value; `optional` lists paths the simulator may omit (or send as null) here. */
export function shapeDifferences(expected: unknown, actual: unknown, at: string, optional: ReadonlySet<string>): string[] {
  if (expected === null || expected === undefined) return [];
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (actual === undefined || actual === null) {
    if (optional.has(at)) return [];
    if (actual === undefined) return [`${at}: missing`];
  }
  if (kind(actual) !== kind(expected)) return [`${at}: expected ${kind(expected)}, got ${kind(actual)}`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length === 0 || actual.length === 0) return [];
    // Elements may be variants (e.g. Rotate vs Notify actions): compare with the example element at the same position.
    return actual.flatMap((item, i) => shapeDifferences(expected[Math.min(i, expected.length - 1)], item, `${at}[]`, optional));
  }
  if (kind(expected) === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    return Object.keys(e).flatMap((key) => (MAP_KEYS.has(key) && key in a && kind(a[key]) === 'object')
      ? [] : shapeDifferences(e[key], a[key], at ? `${at}.${key}` : key, optional));
  }
  return [];
}

let sim: SimHandle;
const contoso = SIM.customers.contoso;
const contosoRg = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}`;
const providerRg = `/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}`;
const vaultPath = `${contosoRg}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
const tokens = new Map<string, string>();

async function obo(persona: PersonaName, scope: string): Promise<string> {
  const cacheKey = `${persona}|${scope}`;
  const cached = tokens.get(cacheKey);
  if (cached) return cached;
  const response = await fetch(`${sim.url}/${PERSONAS[persona].tenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', requested_token_use: 'on_behalf_of', client_id: SIM.portalClientId,
    client_secret: SIM.portalClientSecret, assertion: await portalApiToken(sim, persona), scope }) });
  const token = ((await response.json()) as { access_token: string }).access_token;
  tokens.set(cacheKey, token);
  return token;
}

async function providerArmToken(): Promise<string> {
  const env = sim.appEnv();
  const response = await fetch(`${env.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=https://management.azure.com&client_id=${SIM.uami.clientId}`,
    { headers: { 'X-IDENTITY-HEADER': env.IDENTITY_HEADER ?? '' } });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function cmkGraphToken(tenantId: string): Promise<string> {
  const env = sim.appEnv();
  const mi = await fetch(`${env.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=api://AzureADTokenExchange&client_id=${SIM.uami.clientId}`,
    { headers: { 'X-IDENTITY-HEADER': env.IDENTITY_HEADER ?? '' } });
  const assertion = ((await mi.json()) as { access_token: string }).access_token;
  const response = await fetch(`${sim.url}/${tenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'client_credentials', client_id: SIM.cmkAppClientId, scope: 'https://graph.microsoft.com/.default',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }) });
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * `graph`: the CMK app in Contoso; `graphHome`: the CMK app in its home (provider) tenant, where its application object
 * lives; `graphUser`: the portal on behalf of Contoso's admin (how the product reads the organization).
 */
type Caller = 'provider' | 'contosoAdmin' | 'contosoKeyAdmin' | 'keyVault' | 'graph' | 'graphHome' | 'graphUser';

async function tokenFor(caller: Caller): Promise<string> {
  switch (caller) {
    case 'provider': return providerArmToken();
    case 'keyVault': return obo('contosoKeyAdmin', 'https://vault.azure.net/.default');
    case 'graph': return cmkGraphToken(contoso.tenantId);
    case 'graphHome': return cmkGraphToken(SIM.providerTenantId);
    case 'graphUser': return obo('contosoAdmin', 'https://graph.microsoft.com/.default');
    default: return obo(caller, 'https://management.azure.com/.default');
  }
}

async function call(caller: Caller, method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${await tokenFor(caller)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) as unknown : undefined };
}

const arm = (p: string, apiVersion: string) => `${sim.url}/arm${p}${p.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
const vaultUrl = (p: string) => `${sim.state.vaultUri(sim.state.vaultByName(contoso.vaultName)!)}${p.replace(/^\//, '')}${p.includes('?') ? '&' : '?'}api-version=7.5`;
const keyVersion = () => sim.state.vaultByName(contoso.vaultName)!.keys.get(contoso.keyName)!.versions[0]!.version;
const desBody = () => ({ location: 'westeurope', identity: { type: 'UserAssigned', userAssignedIdentities: { [SIM.uami.resourceId]: {} } },
  properties: { activeKey: { keyUrl: sim.state.keyId(sim.state.vaultByName(contoso.vaultName)!, contoso.keyName, keyVersion()) },
    encryptionType: 'EncryptionAtRestWithCustomerKey', federatedClientId: SIM.cmkAppClientId } });

interface ContractCase {
  file: string;
  status: string;
  caller: Caller;
  request: () => [method: string, url: string, body?: unknown];
  /** Paths the simulator may leave out here, with the reason in the README. */
  optional?: string[];
}

const CASES: ContractCase[] = [
  { file: 'resources/GetSubscriptions.json', status: '200', caller: 'contosoAdmin', request: () => ['GET', arm('/subscriptions', '2022-12-01')], optional: ['nextLink'] },
  { file: 'resources/GetLocations.json', status: '200', caller: 'contosoAdmin', request: () => ['GET', arm(`/subscriptions/${contoso.subscriptionId}/locations`, '2022-12-01')] },
  { file: 'resources/ResourceGroups_Get.json', status: '200', caller: 'contosoAdmin', request: () => ['GET', arm(contosoRg, '2025-04-01')] },
  { file: 'resources/CreateResourceGroup.json', status: '201', caller: 'contosoAdmin', request: () => ['PUT', arm(`/subscriptions/${contoso.subscriptionId}/resourceGroups/contract-rg`, '2025-04-01'), { location: 'westeurope' }] },
  { file: 'keyvault-mgmt/getVault.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['GET', arm(vaultPath, '2025-05-01')], optional: ['properties.hsmPoolResourceId'] },
  { file: 'keyvault-mgmt/createVault.json', status: '201', caller: 'contosoAdmin', request: () => ['PUT', arm(`${contosoRg}/providers/Microsoft.KeyVault/vaults/contract-kv`, '2025-05-01'),
    { location: 'westeurope', properties: { tenantId: contoso.tenantId, sku: { family: 'A', name: 'standard' }, accessPolicies: [{ tenantId: contoso.tenantId, objectId: PERSONAS.contosoAdmin.oid, permissions: { keys: ['get'], secrets: [], certificates: ['get'] } }] } }], optional: ['properties.hsmPoolResourceId'] },
  { file: 'keyvault-mgmt/listVaultByResourceGroup.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['GET', arm(`${contosoRg}/providers/Microsoft.KeyVault/vaults`, '2025-05-01')], optional: ['nextLink', 'value[].properties.hsmPoolResourceId'] },
  { file: 'keyvault-mgmt/listVaultBySubscription.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['GET', arm(`/subscriptions/${contoso.subscriptionId}/providers/Microsoft.KeyVault/vaults`, '2025-05-01')], optional: ['nextLink', 'value[].properties.hsmPoolResourceId'] },
  { file: 'keyvault-mgmt/getKey.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['GET', arm(`${vaultPath}/keys/${contoso.keyName}`, '2025-05-01')] },
  { file: 'keyvault-mgmt/listKeys.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['GET', arm(`${vaultPath}/keys`, '2025-05-01')] },
  { file: 'keyvault-mgmt/getKeyVersion.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['GET', arm(`${vaultPath}/keys/${contoso.keyName}/versions/${keyVersion()}`, '2025-05-01')] },
  { file: 'keyvault-mgmt/listKeyVersions.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['GET', arm(`${vaultPath}/keys/${contoso.keyName}/versions`, '2025-05-01')] },
  { file: 'keyvault-mgmt/createKey.json', status: '200', caller: 'contosoKeyAdmin', request: () => ['PUT', arm(`${vaultPath}/keys/contract-key`, '2025-05-01'), { properties: { kty: 'RSA' } }] },
  { file: 'authorization/RoleAssignments_CreateForSubscription.json', status: '201', caller: 'contosoAdmin', request: () => ['PUT',
    arm(`/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleAssignments/05c5a614-a7d6-4502-b150-c2fb455033ff`, '2022-04-01'),
    { properties: { roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.reader}`, principalId: PERSONAS.contosoUser.oid, principalType: 'User' } }] },
  { file: 'authorization/RoleAssignments_ListForScope.json', status: '200', caller: 'contosoAdmin', request: () => ['GET', arm(`/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleAssignments`, '2022-04-01')] },
  { file: 'authorization/GetRoleDefinitionById.json', status: '200', caller: 'contosoAdmin', request: () => ['GET', arm(`/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`, '2022-04-01')] },
  { file: 'managedidentity/IdentityGet.json', status: '200', caller: 'provider', request: () => ['GET', arm(SIM.uami.resourceId.replace('/resourceGroups/', '/resourceGroups/'), '2023-01-31')] },
  { file: 'managedidentity/IdentityCreate.json', status: '201', caller: 'provider', request: () => ['PUT', arm(`${providerRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/contract-mi`, '2023-01-31'), { location: 'westeurope', tags: { key1: 'value1' } }] },
  { file: 'managedidentity/FederatedIdentityCredentialCreate.json', status: '201', caller: 'provider', request: () => ['PUT', arm(`${SIM.uami.resourceId}/federatedIdentityCredentials/contract-fic`, '2023-01-31'),
    { properties: { issuer: 'https://oidc.example/issuer', subject: 'system:serviceaccount:ns:svc', audiences: ['api://AzureADTokenExchange'] } }] },
  { file: 'compute/DiskEncryptionSet_Create_WithKeyVaultFromADifferentTenant.json', status: '202', caller: 'provider', request: () => ['PUT', arm(`${providerRg}/providers/Microsoft.Compute/diskEncryptionSets/contract-des`, '2025-01-02'), desBody()] },
  { file: 'compute/DiskEncryptionSet_Get.json', status: '200', caller: 'provider', request: () => ['GET', arm(`${providerRg}/providers/Microsoft.Compute/diskEncryptionSets/contract-des`, '2025-01-02')],
    optional: ['properties.activeKey.sourceVault', 'identity.principalId', 'identity.tenantId'] },
  { file: 'compute/DiskEncryptionSet_ListByResourceGroup.json', status: '200', caller: 'provider', request: () => ['GET', arm(`${providerRg}/providers/Microsoft.Compute/diskEncryptionSets`, '2025-01-02')],
    optional: ['nextLink', 'value[].properties.activeKey.sourceVault', 'value[].identity.principalId', 'value[].identity.tenantId'] },
  { file: 'compute/DiskEncryptionSet_ListBySubscription.json', status: '200', caller: 'provider', request: () => ['GET', arm(`/subscriptions/${SIM.providerSubscriptionId}/providers/Microsoft.Compute/diskEncryptionSets`, '2025-01-02')],
    optional: ['nextLink', 'value[].properties.activeKey.sourceVault', 'value[].identity.principalId', 'value[].identity.tenantId'] },
  { file: 'compute/DiskEncryptionSet_ListAssociatedResources.json', status: '200', caller: 'provider', request: () => ['GET', arm(`${providerRg}/providers/Microsoft.Compute/diskEncryptionSets/contract-des/associatedResources`, '2025-01-02')], optional: ['nextLink'] },
  { file: 'compute/DiskEncryptionSet_Update.json', status: '202', caller: 'provider', request: () => ['PATCH', arm(`${providerRg}/providers/Microsoft.Compute/diskEncryptionSets/contract-des`, '2025-01-02'),
    { properties: { rotationToLatestKeyVersionEnabled: true } }], optional: ['properties.activeKey.sourceVault'] },
  { file: 'keyvault-data/GetKey-example.json', status: '200', caller: 'keyVault', request: () => ['GET', vaultUrl(`keys/${contoso.keyName}/${keyVersion()}`)], optional: ['tags'] },
  { file: 'keyvault-data/GetKeys-example.json', status: '200', caller: 'keyVault', request: () => ['GET', vaultUrl('keys?maxresults=25')], optional: ['nextLink'] },
  { file: 'keyvault-data/GetKeyVersions-example.json', status: '200', caller: 'keyVault', request: () => ['GET', vaultUrl(`keys/${contoso.keyName}/versions`)], optional: ['nextLink'] },
  { file: 'keyvault-data/CreateKey-example.json', status: '200', caller: 'keyVault', request: () => ['POST', vaultUrl('keys/contract-data-key/create'), { kty: 'RSA', key_size: 2048 }], optional: ['tags'] },
  { file: 'keyvault-data/UpdateKey-example.json', status: '200', caller: 'keyVault', request: () => ['PATCH', vaultUrl(`keys/${contoso.keyName}/${keyVersion()}`), { attributes: { exp: 2000000000 }, tags: { purpose: 'contract' } }], optional: ['attributes.nbf'] },
  { file: 'keyvault-data/RotateKey-example.json', status: '200', caller: 'keyVault', request: () => ['POST', vaultUrl(`keys/${contoso.keyName}/rotate`)] },
  { file: 'keyvault-data/UpdateKeyRotationPolicy-example.json', status: '200', caller: 'keyVault', request: () => ['PUT', vaultUrl(`keys/${contoso.keyName}/rotationpolicy`),
    { lifetimeActions: [{ trigger: { timeAfterCreate: 'P90D' }, action: { type: 'Rotate' } }, { trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }], attributes: { expiryTime: 'P2Y' } }] },
  { file: 'keyvault-data/GetKeyRotationPolicy-example.json', status: '200', caller: 'keyVault', request: () => ['GET', vaultUrl(`keys/${contoso.keyName}/rotationpolicy`)] },
  { file: 'keyvault-data/wrapKey-example.json', status: '200', caller: 'keyVault', request: () => ['POST', vaultUrl(`keys/${contoso.keyName}/${keyVersion()}/wrapkey`), { alg: 'RSA1_5', value: 'ovQIlbB0DgWhZA7sgkPxbg9H-Ly-VlNGPSgGrrZvlIo' }] },
  { file: 'graph/organization-list.response.json', status: 'body', caller: 'graphUser', request: () => ['GET', `${sim.url}/graph/v1.0/organization`], optional: ['value[].partnerTenantType'] },
  { file: 'graph/serviceprincipal-list.response.json', status: 'body', caller: 'graph', request: () => ['GET', `${sim.url}/graph/v1.0/servicePrincipals?$filter=appId eq '${SIM.cmkAppClientId}'`] },
  { file: 'graph/serviceprincipal-get.response.json', status: 'body', caller: 'graph', request: () => ['GET', `${sim.url}/graph/v1.0/servicePrincipals(appId='${SIM.cmkAppClientId}')`],
    optional: ['verifiedPublisher.displayName', 'verifiedPublisher.verifiedPublisherId', 'verifiedPublisher.addedDateTime'] },
  { file: 'graph/application-get.response.json', status: 'body', caller: 'graphHome', request: () => ['GET', `${sim.url}/graph/v1.0/applications(appId='${SIM.cmkAppClientId}')`],
    optional: ['samlMetadataUrl', 'certification', 'verifiedPublisher.displayName', 'verifiedPublisher.verifiedPublisherId', 'verifiedPublisher.addedDateTime'] },
];

beforeAll(async () => {
  sim = await startSimulator({ lroDurationMs: 50 });
  sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  const cmkSp = sim.state.servicePrincipal(SIM.cmkAppClientId, contoso.tenantId)!;
  // Listing service principals needs Application.Read.All, which the CMK app itself does not hold.
  cmkSp.grantedGraphPermissions = ['Application.Read.All'];
  const created = await call('contosoAdmin', 'PUT', arm(`${vaultPath}/providers/Microsoft.Authorization/roleAssignments/7f5b7a0e-7c55-4b0f-9d5b-1d0d6f1b3c11`, '2022-04-01'),
    { properties: { roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`, principalId: cmkSp.id, principalType: 'ServicePrincipal' } });
  expect(created.status).toBe(201);
});
afterAll(async () => sim.stop());

describe('responses have the shape of the Azure REST examples', () => {
  // Cases run in order: later ones read what earlier ones created (the DES, the rotated key).
  for (const c of CASES) {
    it(c.file, async () => {
      const example = JSON.parse(readFileSync(path.join(SPECS, c.file), 'utf8')) as Example | Record<string, unknown>;
      const expectedBody = c.status === 'body' ? example : (example as Example).responses[c.status]?.body;
      expect(expectedBody, `example has a ${c.status} response`).toBeDefined();
      const [method, url, body] = c.request();
      const response = await call(c.caller, method, url, body);
      if (c.status !== 'body') expect(response.status, JSON.stringify(response.json)).toBe(Number(c.status));
      const differences = shapeDifferences(expectedBody, response.json, '', new Set(c.optional ?? []));
      expect(differences, differences.join('; ')).toEqual([]);
    });
  }
});

describe('shapeDifferences', () => {
  it('reports missing keys, wrong types and wrong element shapes', () => {
    const example = { a: 1, b: { c: 'x' }, list: [{ d: true }], tags: { anything: 'x' } };
    expect(shapeDifferences(example, { a: '1', b: {}, list: [{ d: 1 }], tags: {} }, '', new Set())).toEqual(['a: expected number, got string', 'b.c: missing', 'list[].d: expected boolean, got number']);
    expect(shapeDifferences(example, { a: 2, b: { c: 'y' }, list: [], tags: { other: 'z' } }, '', new Set())).toEqual([]);
  });
});
