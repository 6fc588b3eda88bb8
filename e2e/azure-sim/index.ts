/**
 * Azure simulator: one HTTPS server playing Entra ID, Graph, ARM, Key Vault and the managed
 * identity endpoint for several tenants at once. A test double of Azure only.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureSimCa, type SimCaFiles } from './ca';
import './localhost-resolver.mjs';
import { Faults, SIM_HSM_DNS_SUFFIX, SIM_VAULT_DNS_SUFFIX, type SimContext, type SimSettings } from './context';
import { SimControl } from './control';
import { ArmThrottle, AZURE_ARM_THROTTLE, mergeThrottleSettings, type TokenBucketLimit } from './arm/throttle';
import { SimStats } from './stats';
import { EntraService } from './entra';
import { KeyVaultService } from './keyvault';
import { defaultScenario, SIM, type Scenario } from './seed';
import { requestListener } from './server';
import { SimState, type KeyStoreKind, type KeyStoreRef } from './state';
import { TokenSigner } from './tokens';

export { SIM, PERSONAS, BUILTIN_ROLES, defaultScenario, type Scenario } from './seed';
export type { SimControl } from './control';
export { AZURE_ARM_THROTTLE, type ArmThrottleSettings } from './arm/throttle';
export type { SimStats } from './stats';

const RESOLVER = fileURLToPath(new URL('./localhost-resolver.mjs', import.meta.url));

/** NODE_OPTIONS that load the resolver once (appEnv() may be applied to this process's environment repeatedly). */
function withResolver(nodeOptions: string): string {
  const flag = `--import ${pathToFileURL(RESOLVER).href}`;
  return nodeOptions.includes(flag) ? nodeOptions : `${nodeOptions} ${flag}`.trim();
}

/** Listeners kept bound in advance so that a vault can get its own port synchronously. */
const SPARE_VAULT_LISTENERS = 6;

export interface StartOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** A scenario, or a function of the simulator origin (FIC issuers depend on the port). Default: the default seed. */
  scenario?: Scenario | ((origin: string) => Scenario);
  propagationDelayMs?: number;
  lroDurationMs?: number;
  rotationDelayMs?: number;
  servicePrincipalReplicationMs?: number;
  quiet?: boolean;
  /** Interface to bind; 127.0.0.1 by default (what `localhost` resolves to here). */
  host?: string;
  /**
   * ARM's token-bucket throttle: on with Azure's limits unless told otherwise, e.g. `{ writes: { bucketSize: 20,
   * refillPerSecond: 2 } }`, or `false` to turn it off.
   */
  armThrottle?: false | { reads?: Partial<TokenBucketLimit>; writes?: Partial<TokenBucketLimit>; deletes?: Partial<TokenBucketLimit> };
}

export interface SimHandle {
  url: string;
  port: number;
  ca: SimCaFiles;
  /** The live state (replaced by reset, so read it through the handle). */
  readonly state: SimState;
  settings: SimSettings;
  /** Faults and world changes: throttle, serverError, failNextOperations, stallNextOperations, setKeyEnabled, ... */
  faults: SimControl;
  /** ARM calls, LRO polls and token requests answered since start or the last reset. */
  readonly stats: SimStats;
  /** Back to the given (or the start-up) scenario; clears faults and pending timers. */
  reset(scenario?: Scenario | ((origin: string) => Scenario)): void;
  /** The environment the product needs to run against this simulator. */
  appEnv(): Record<string, string>;
  /** Resolves when spare per-vault listeners are bound again (only needed after creating many vaults at once). */
  vaultListenersReady(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulator(opts: StartOptions = {}): Promise<SimHandle> {
  const ca = ensureSimCa();
  const identityHeader = randomBytes(16).toString('hex');
  const timers = new Set<NodeJS.Timeout>();
  const settings: SimSettings = { propagationDelayMs: opts.propagationDelayMs ?? 0, lroDurationMs: opts.lroDurationMs ?? 300, rotationDelayMs: opts.rotationDelayMs ?? 500,
    servicePrincipalReplicationMs: opts.servicePrincipalReplicationMs ?? 0,
    armThrottle: opts.armThrottle === false ? { ...AZURE_ARM_THROTTLE, enabled: false } : mergeThrottleSettings(AZURE_ARM_THROTTLE, opts.armThrottle ?? {}) };
  const log = opts.quiet === false ? (line: string) => console.log(`[azure-sim] ${line}`) : () => undefined;
  let ctx: SimContext | undefined;
  let entra: EntraService | undefined;
  let keyVault: KeyVaultService | undefined;
  const current = (): SimContext => {
    if (!ctx) throw new Error('Simulator not started');
    return ctx;
  };
  const control = new SimControl(current, (scenario) => reset(scenario));
  // Each vault and Managed HSM gets its own port (its "host"): Key Vault SDKs only accept key ids shaped `{origin}/keys/{name}/{version}`.
  const vaultPorts = new Map<string, number>();
  const portVaults = new Map<number, KeyStoreRef>();
  const spareListeners: Server[] = [];
  const servers: Server[] = [];
  const listener = requestListener({ ctx: current, entra: () => entra ?? new EntraService(current()),
    keyVault: () => keyVault ?? new KeyVaultService(current()), control, identityHeader, log, vaultForPort: (p) => portVaults.get(p) });
  const tls = { cert: readFileSync(ca.certPath), key: readFileSync(ca.keyPath), keepAliveTimeout: 5000 };
  const listen = async (port: number): Promise<Server> => {
    const s = createServer(tls, listener);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, opts.host ?? '127.0.0.1', () => resolve());
    });
    servers.push(s);
    return s;
  };
  const portOf = (s: Server) => (s.address() as AddressInfo).port;
  // With a fixed main port (npm run sim), vaults get the ports after it, so vault URLs stay the same across runs.
  let nextFixedPort = opts.port ? opts.port + 1 : 0;
  const refillSpares = async () => {
    while (spareListeners.length < SPARE_VAULT_LISTENERS) spareListeners.push(await listen(nextFixedPort ? nextFixedPort++ : 0));
  };
  const server = await listen(opts.port ?? 0);
  await refillSpares();
  const port = portOf(server);
  const url = `https://localhost:${port}`;
  const vaultOrigin = (vaultName: string, kind: KeyStoreKind): string => {
    const name = vaultName.toLowerCase();
    const key = `${kind}:${name}`;
    let vaultPort = vaultPorts.get(key);
    if (vaultPort === undefined) {
      const spare = spareListeners.shift();
      if (!spare) throw new Error('No spare Key Vault listener left; create fewer vaults at once or call await sim.vaultListenersReady().');
      vaultPort = portOf(spare);
      vaultPorts.set(key, vaultPort);
      portVaults.set(vaultPort, { name: vaultName, kind });
      void refillSpares();
    }
    return `https://${name}.${kind === 'managedHsm' ? SIM_HSM_DNS_SUFFIX : SIM_VAULT_DNS_SUFFIX}:${vaultPort}`;
  };
  const signer = new TokenSigner();
  let startupScenario = opts.scenario;

  function reset(scenario?: Scenario | ((origin: string) => Scenario)): void {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    if (scenario) startupScenario = scenario;
    const resolved = typeof startupScenario === 'function' ? startupScenario(url) : startupScenario ?? defaultScenario(url);
    const faults = ctx?.faults ?? new Faults();
    faults.clear();
    ctx = {
      state: new SimState(resolved, url, vaultOrigin, (p) => portVaults.get(p)), signer, settings, faults, origin: url,
      armThrottle: new ArmThrottle(() => settings.armThrottle), stats: new SimStats(),
      schedule(ms, task) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          task();
        }, ms);
        timer.unref();
        timers.add(timer);
      },
    };
    entra = new EntraService(ctx);
    keyVault = new KeyVaultService(ctx);
  }
  reset();

  return {
    url, port, ca, settings, faults: control,
    get state() { return current().state; },
    get stats() { return current().stats; },
    reset,
    appEnv: () => ({
      AZURE_AUTHORITY_HOST: url,
      AZURE_ARM_ENDPOINT: `${url}/arm`,
      AZURE_GRAPH_ENDPOINT: `${url}/graph`,
      IDENTITY_ENDPOINT: `${url}/msi/token`,
      IDENTITY_HEADER: identityHeader,
      PROVIDER_TENANT_ID: SIM.providerTenantId,
      PORTAL_CLIENT_ID: SIM.portalClientId,
      PORTAL_CLIENT_SECRET: SIM.portalClientSecret,
      CMK_APP_CLIENT_ID: SIM.cmkAppClientId,
      PROVIDER_SUBSCRIPTION_ID: SIM.providerSubscriptionId,
      PROVIDER_RESOURCE_GROUP: SIM.providerResourceGroup,
      PROVIDER_UAMI_RESOURCE_ID: SIM.uami.resourceId,
      PROVIDER_UAMI_CLIENT_ID: SIM.uami.clientId,
      PROVIDER_DES_REGIONS: SIM.desRegions.join(','),
      NODE_EXTRA_CA_CERTS: ca.bundlePath,
      // The product accepts keys only on these hosts; any port, as each simulated vault and HSM pool has its own.
      KEY_VAULT_DNS_SUFFIXES: `${SIM_VAULT_DNS_SUFFIX}:*,${SIM_HSM_DNS_SUFFIX}:*`,
      // Child processes resolve the vaults' *.localhost names as this one does (RFC 6761).
      NODE_OPTIONS: withResolver(process.env.NODE_OPTIONS ?? ''),
    }),
    vaultListenersReady: refillSpares,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(servers.map((s) => {
        s.closeAllConnections();
        return new Promise<void>((resolve) => s.close(() => resolve()));
      }));
    },
  };
}
