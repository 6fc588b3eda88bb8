/**
 * The simulator's vaults pass the Key Vault SDK's challenge-resource check as real vaults do (no
 * `disableChallengeResourceVerification`), a host the challenge does not cover is refused by the SDK, and a
 * remote wrap needs the wrapKey permission while the SDK's local RSA-OAEP wrap never reaches the vault.
 */
import { ClientAssertionCredential, ManagedIdentityCredential } from '@azure/identity';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { SIM } from './seed';
import { personaCredential } from './testing';

const { contoso, fabrikam } = SIM.customers;
let sim: SimHandle;

beforeAll(async () => {
  sim = await startSimulator({ lroDurationMs: 50 });
  Object.assign(process.env, { IDENTITY_ENDPOINT: sim.appEnv().IDENTITY_ENDPOINT, IDENTITY_HEADER: sim.appEnv().IDENTITY_HEADER });
});
afterAll(async () => sim.stop());

const vaultUri = (name: string) => sim.state.vaultUri(sim.state.vaultByName(name)!);
const cmkCredential = (tenantId: string) => new ClientAssertionCredential(tenantId, SIM.cmkAppClientId,
  async () => (await new ManagedIdentityCredential({ clientId: SIM.uami.clientId }).getToken('api://AzureADTokenExchange/.default')).token,
  { authorityHost: sim.url, disableInstanceDiscovery: true });

describe('bearer challenge', () => {
  it('a vault lives under vault.localhost and its challenge names https://vault.localhost', async () => {
    expect(vaultUri(contoso.vaultName)).toMatch(/^https:\/\/contoso-cmk-kv\.vault\.localhost:\d+\/$/);
    const response = await fetch(`${vaultUri(contoso.vaultName)}keys?api-version=7.5`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer authorization="${sim.url}/${contoso.tenantId}", resource="https://vault.localhost"`);
  });

  it('KeyClient with the SDK defaults (challenge verification on) reads a key', async () => {
    const keys = new KeyClient(vaultUri(contoso.vaultName), await personaCredential(sim, 'contosoKeyAdmin'));
    expect((await keys.getKey(contoso.keyName)).name).toBe(contoso.keyName);
  });

  it('a deleted key\'s recoveryId is under the vault\'s own host, as in Azure', async () => {
    const keys = new KeyClient(vaultUri(contoso.vaultName), await personaCredential(sim, 'contosoKeyAdmin'));
    await keys.createRsaKey('to-delete', { keySize: 2048 });
    const deleted = await (await keys.beginDeleteKey('to-delete', { intervalInMs: 20 })).pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${vaultUri(contoso.vaultName)}deletedkeys/to-delete`);
  });

  it('a host the challenge does not cover is refused by the SDK before any token is sent', async () => {
    // The /kv/{vault} alias answers on the simulator's main host, `localhost`, with the same challenge.
    const keys = new KeyClient(`${sim.url}/kv/${contoso.vaultName}/`, await personaCredential(sim, 'contosoKeyAdmin'));
    await expect(keys.getKey(contoso.keyName)).rejects.toThrow(/challenge resource 'vault\.localhost' does not match the requested domain/);
  });

  it('a vault port answers only under its own host name', async () => {
    const port = new URL(vaultUri(contoso.vaultName)).port;
    const response = await fetch(`https://localhost:${port}/keys?api-version=7.5`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('VaultNotFound');
  });
});

describe('wrapKey permission', () => {
  it('a remote wrap needs the wrapKey permission; the SDK wraps RSA-OAEP locally without asking the vault', async () => {
    const spId = sim.faults.grantConsent(SIM.cmkAppClientId, fabrikam.tenantId);
    const vault = sim.state.vaultByName(fabrikam.vaultName)!;
    vault.accessPolicies.push({ tenantId: fabrikam.tenantId, objectId: spId, permissions: { keys: ['get', 'unwrapKey'], secrets: [] } });
    const keyId = sim.state.keyId(vault, fabrikam.keyName, vault.keys.get(fabrikam.keyName.toLowerCase())!.versions[0]!.version);
    const crypto = new CryptographyClient(keyId, cmkCredential(fabrikam.tenantId));
    const secret = randomBytes(32);
    await expect(crypto.wrapKey('RSA-OAEP-256', secret)).rejects.toMatchObject({ statusCode: 403, message: expect.stringContaining('does not have keys wrapKey permission') });
    // Local: succeeds although the policy lacks wrapKey — which is why the product's probe wraps with RSA-OAEP-256.
    const local = await crypto.wrapKey('RSA-OAEP', secret);
    expect(local.result.length).toBeGreaterThan(0);
  });
});
