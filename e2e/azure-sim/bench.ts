/**
 * `npm run bench:sim`: start-up time and requests/s for a realistic mix (token, ARM GET, Key Vault
 * wrap) over keep-alive HTTPS to localhost. Bounded by request count and time.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { startSimulator } from './index';
import { PERSONAS, SIM } from './seed';
import { portalApiToken } from './testing';

const TOTAL_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = 16;
const TIME_LIMIT_MS = 30_000;

const started = performance.now();
const sim = await startSimulator({ quiet: true });
const startupMs = performance.now() - started;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const contoso = SIM.customers.contoso;

function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Credentials for the mix: the portal's client-credentials token and a Key Vault token for keyadmin (set up once).
sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
const tokenForm = new URLSearchParams({ grant_type: 'client_credentials', client_id: SIM.portalClientId, client_secret: SIM.portalClientSecret,
  scope: 'https://management.azure.com/.default' }).toString();
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const armToken = (JSON.parse((await send('POST', `${sim.url}/${SIM.providerTenantId}/oauth2/v2.0/token`, form, tokenForm)).text) as { access_token: string }).access_token;
const vault = sim.state.vaultByName(contoso.vaultName)!;
sim.state.roleAssignments.set({ id: `${vault.id}/providers/Microsoft.Authorization/roleAssignments/bench`, name: 'bench', scope: vault.id,
  roleDefinitionId: '12338af0-0e69-4776-bea7-57ae8d297424', principalId: PERSONAS.contosoKeyAdmin.oid, principalType: 'User', createdOn: '', effectiveAt: 0 });
const obo = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', requested_token_use: 'on_behalf_of', client_id: SIM.portalClientId,
  client_secret: SIM.portalClientSecret, assertion: await portalApiToken(sim, 'contosoKeyAdmin'), scope: 'https://vault.azure.net/.default' }).toString();
const kvToken = (JSON.parse((await send('POST', `${sim.url}/${contoso.tenantId}/oauth2/v2.0/token`, form, obo)).text) as { access_token: string }).access_token;
const keyVersion = vault.keys.get(contoso.keyName)!.versions[0]!.version;
const wrapUrl = `${sim.state.keyId(vault, contoso.keyName, keyVersion)}/wrapkey?api-version=7.5`;
const wrapBody = JSON.stringify({ alg: 'RSA-OAEP-256', value: randomBytes(32).toString('base64url') });
const armUrl = `${sim.url}/arm/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}/providers/Microsoft.Compute/disks?api-version=2024-03-02`;

const mix: (() => Promise<{ status: number }>)[] = [
  () => send('POST', `${sim.url}/${SIM.providerTenantId}/oauth2/v2.0/token`, form, tokenForm),
  () => send('GET', armUrl, { authorization: `Bearer ${armToken}` }),
  () => send('POST', wrapUrl, { authorization: `Bearer ${kvToken}`, 'content-type': 'application/json' }, wrapBody),
];

let issued = 0;
let failures = 0;
const latencies: number[] = [];
const benchStart = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (issued < TOTAL_REQUESTS && performance.now() - benchStart < TIME_LIMIT_MS) {
    const op = mix[issued++ % mix.length]!;
    const t = performance.now();
    const { status } = await op();
    latencies.push(performance.now() - t);
    if (status !== 200) failures++;
  }
}));
const seconds = (performance.now() - benchStart) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(1);
console.log([
  `start-up:     ${startupMs.toFixed(0)} ms (listening, seeded, keys generated lazily)`,
  `requests:     ${latencies.length} (token / ARM GET / KV wrap RSA-OAEP-256, 1:1:1), concurrency ${CONCURRENCY}, failures ${failures}`,
  `throughput:   ${(latencies.length / seconds).toFixed(0)} requests/s (client and server share this process)`,
  `latency:      p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, p99 ${pct(0.99)} ms`,
].join('\n'));
agent.destroy();
await sim.stop();
