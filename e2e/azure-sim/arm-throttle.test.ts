/** ARM's token-bucket throttle in the simulator: Azure's limits by default, per subscription, principal and kind. */
import { ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { SIM } from './seed';
import { ARM_SCOPE, personaCredential } from './testing';

let sim: SimHandle;
let uamiToken: string;

beforeAll(async () => {
  sim = await startSimulator({ lroDurationMs: 50 });
  Object.assign(process.env, { IDENTITY_ENDPOINT: sim.appEnv().IDENTITY_ENDPOINT, IDENTITY_HEADER: sim.appEnv().IDENTITY_HEADER });
  uamiToken = (await new ManagedIdentityCredential({ clientId: SIM.uami.clientId }).getToken(ARM_SCOPE)).token;
});
afterAll(async () => sim.stop());
beforeEach(() => {
  sim.reset();
  sim.faults.setArmThrottle({ enabled: true, reads: { bucketSize: 250, refillPerSecond: 25 }, writes: { bucketSize: 200, refillPerSecond: 10 }, deletes: { bucketSize: 200, refillPerSecond: 10 } });
});

const rgUrl = (name: string) => `${sim.url}/arm/subscriptions/${SIM.providerSubscriptionId}/resourcegroups/${name}?api-version=2022-09-01`;
const putGroup = (name: string, token = uamiToken) => fetch(rgUrl(name), { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'westeurope' }) });
const getGroup = (name: string, token = uamiToken) => fetch(rgUrl(name), { headers: { authorization: `Bearer ${token}` } });
const control = (action: string, body: unknown) => fetch(`${sim.url}/__sim/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('ARM throttle (token bucket)', () => {
  it("is on by default with Azure's published limits", async () => {
    const fresh = await startSimulator({ quiet: true });
    try {
      expect(fresh.settings.armThrottle).toEqual({ enabled: true, reads: { bucketSize: 250, refillPerSecond: 25 }, writes: { bucketSize: 200, refillPerSecond: 10 }, deletes: { bucketSize: 200, refillPerSecond: 10 } });
    } finally {
      await fresh.stop();
    }
  });

  it('answers 429 SubscriptionRequestsThrottled with Retry-After once the write bucket is empty, and refills at its rate', async () => {
    expect((await control('arm-throttle', { writes: { bucketSize: 3, refillPerSecond: 2 } })).status).toBe(200);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await putGroup(`throttle-rg-${i}`);
      expect(res.status).not.toBe(429);
      remaining.push(res.headers.get('x-ms-ratelimit-remaining-subscription-writes') ?? '');
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const throttled = await putGroup('throttle-rg-3');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    const body = (await throttled.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SubscriptionRequestsThrottled');
    expect(body.error.message).toMatch(/Number of 'write' requests for subscription .* exceeded\. Please try again after '1' seconds/);
    // Reads have their own bucket.
    const read = await getGroup('throttle-rg-0');
    expect(read.status).toBe(200);
    expect(read.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('249');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await putGroup('throttle-rg-3')).status).not.toBe(429);
    expect(sim.stats.snapshot()).toMatchObject({ armWrites: 4, armReads: 1, armThrottled: 1 });
  });

  it('keeps one bucket per principal: another identity still writes when the provider identity is throttled', async () => {
    sim.faults.setArmThrottle({ writes: { bucketSize: 1, refillPerSecond: 0.1 } });
    expect((await putGroup('first')).status).not.toBe(429);
    expect((await putGroup('second')).status).toBe(429);
    const admin = await personaCredential(sim, 'contosoKeyAdmin');
    const adminToken = (await admin.getToken(ARM_SCOPE))?.token ?? "";
    const other = await fetch(`${sim.url}/arm/subscriptions/${SIM.customers.contoso.subscriptionId}/resourcegroups/x?api-version=2022-09-01`,
      { method: 'PUT', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'westeurope' }) });
    expect(other.status).not.toBe(429);
  });

  it('is configured through the control API, which refuses bad values and can turn it off', async () => {
    const bad = await control('arm-throttle', { writes: { bucketSize: 0 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('writes.bucketSize must be a whole number of at least 1.');
    expect(sim.settings.armThrottle.writes.bucketSize).toBe(200);
    await control('arm-throttle', { enabled: false, writes: { bucketSize: 1 } });
    for (let i = 0; i < 3; i++) expect((await putGroup(`off-${i}`)).status).not.toBe(429);
    await control('settings', { armThrottle: { enabled: true } });
    await putGroup('on-0');
    expect((await putGroup('on-1')).status).toBe(429);
  });
});
