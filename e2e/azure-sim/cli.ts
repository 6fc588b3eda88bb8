/** `npm run sim`: starts the simulator on SIM_PORT (default 8443) and prints what a developer needs to use it. */
import { startSimulator } from './index';
import { PERSONAS } from './seed';

const port = Number(process.env.SIM_PORT ?? 8443);
const started = performance.now();
const sim = await startSimulator({ port, quiet: process.env.SIM_QUIET === '1' });
const env = sim.appEnv();

const lines = [
  `Azure simulator ready in ${Math.round(performance.now() - started)} ms`,
  '',
  `  Entra ID     ${sim.url}/{tenantId|organizations}/v2.0/.well-known/openid-configuration`,
  `  ARM          ${sim.url}/arm`,
  `  Graph        ${sim.url}/graph/v1.0`,
  `  Key Vault    each vault's vaultUri (its own port), also ${sim.url}/kv/{vaultName}/`,
  `  MSI          ${sim.url}/msi/token`,
  `  Control      ${sim.url}/__sim/state (GET), /__sim/reset, /__sim/faults/* (POST)`,
  '',
  `  CA bundle    ${sim.ca.bundlePath}   (start clients with NODE_EXTRA_CA_CERTS=<this>)`,
  '',
  'Environment for the app:',
  ...Object.entries(env).map(([k, v]) => `  ${k}=${v}`),
  '',
  'Seeded personas (sign in on the simulator page by clicking the account):',
  ...Object.values(PERSONAS).map((p) => `  ${p.upn.padEnd(28)} tenant ${p.tenantId}  ${p.description}`),
  '',
  'Vaults:',
  ...sim.state.vaults.values().map((v) => `  ${v.name.padEnd(18)} ${v.location.padEnd(14)} ${v.enableRbacAuthorization ? 'RBAC' : 'access policies'}, purge protection ${v.enablePurgeProtection ? 'on' : 'off'}  ${sim.state.vaultUri(v)}`),
];
console.log(lines.join('\n'));

const shutdown = (signal: string) => {
  console.log(`\n${signal}: stopping the simulator`);
  void sim.stop().then(() => process.exit(0));
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
