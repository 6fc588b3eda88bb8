/** Key Vault's rotation policy limits, enforced by the simulator on the data plane and on ARM key creation. */
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { durationDays, rotationPolicyProblem } from './rotation-policy';
import { SIM } from './seed';
import { ARM_SCOPE, personaCredential } from './testing';

const { contoso } = SIM.customers;
let sim: SimHandle;
let keys: KeyClient;
let arm: KeyVaultManagementClient;

beforeAll(async () => {
  sim = await startSimulator({ lroDurationMs: 50 });
  const credential = await personaCredential(sim, 'contosoKeyAdmin');
  keys = new KeyClient(sim.state.vaultUri(sim.state.vaultByName(contoso.vaultName)!), credential);
  arm = new KeyVaultManagementClient(credential, contoso.subscriptionId, { endpoint: `${sim.url}/arm`, credentials: { scopes: [ARM_SCOPE] } });
});
afterAll(async () => sim.stop());

describe('durations', () => {
  it('reads ISO 8601 durations in days', () => {
    expect([durationDays('P28D'), durationDays('P1Y'), durationDays('P3M'), durationDays('P2W'), durationDays('PT48H')]).toEqual([28, 365, 90, 14, 2]);
    expect([durationDays('28D'), durationDays('P'), durationDays('PT')]).toEqual([undefined, undefined, undefined]);
  });
  it('accepts what the limits allow', () => {
    expect(rotationPolicyProblem({ attributes: { expiryTime: 'P28D' }, lifetimeActions: [{ trigger: { timeAfterCreate: 'P21D' }, action: { type: 'Rotate' } }, { trigger: { timeBeforeExpiry: 'P1D' }, action: { type: 'Notify' } }] })).toBeUndefined();
  });
});

describe('data plane: PUT rotationpolicy', () => {
  it.each([
    [{ expiresIn: 'P14D', lifetimeActions: [] }, 'minimum of 28 days'],
    [{ lifetimeActions: [{ action: 'Rotate' as const, timeAfterCreate: 'P3D' }] }, 'minimum rotation time of 7 days'],
    [{ expiresIn: 'P30D', lifetimeActions: [{ action: 'Rotate' as const, timeAfterCreate: 'P25D' }] }, 'at least 7 days before the expiry time'],
    [{ expiresIn: 'P90D', lifetimeActions: [{ action: 'Rotate' as const, timeBeforeExpiry: 'P3D' }] }, 'minimum of 7 days'],
    [{ lifetimeActions: [{ action: 'Rotate' as const, timeBeforeExpiry: 'P30D' }] }, 'requires the policy\'s expiryTime'],
  ])('refuses %j with 400 BadParameter', async (policy, message) => {
    await expect(keys.updateKeyRotationPolicy(contoso.keyName, policy)).rejects.toMatchObject({ statusCode: 400, code: 'BadParameter', message: expect.stringContaining(message) });
  });
  it('stores a valid policy', async () => {
    await keys.updateKeyRotationPolicy(contoso.keyName, { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }], expiresIn: 'P2Y' });
    expect(await keys.getKeyRotationPolicy(contoso.keyName)).toMatchObject({ expiresIn: 'P2Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }] });
  });
});

describe('ARM: key creation with a rotation policy', () => {
  it('refuses a policy that breaks the limits, and creates nothing', async () => {
    await expect(arm.keys.createIfNotExist(contoso.resourceGroup, contoso.vaultName, 'too-short', { properties: { kty: 'RSA', keySize: 2048,
      rotationPolicy: { attributes: { expiryTime: 'P20D' }, lifetimeActions: [{ trigger: { timeAfterCreate: 'P10D' }, action: { type: 'rotate' } }] } } }))
      .rejects.toMatchObject({ statusCode: 400, code: 'BadParameter' });
    expect(sim.state.vaultByName(contoso.vaultName)!.keys.has('too-short')).toBe(false);
  });
  it('stores a valid policy with the key', async () => {
    const created = await arm.keys.createIfNotExist(contoso.resourceGroup, contoso.vaultName, 'with-policy', { properties: { kty: 'RSA', keySize: 2048,
      rotationPolicy: { attributes: { expiryTime: 'P365D' }, lifetimeActions: [{ trigger: { timeAfterCreate: 'P180D' }, action: { type: 'rotate' } }, { trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'notify' } }] } } });
    expect(created.rotationPolicy?.attributes?.expiryTime).toBe('P365D');
    expect(await keys.getKeyRotationPolicy('with-policy')).toMatchObject({ expiresIn: 'P365D', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P180D' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] });
  });
});
