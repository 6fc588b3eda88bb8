/**
 * A throw-away certificate authority for the simulator's HTTPS listener.
 * Synchronous on purpose: vitest.config.ts calls it before workers fork so that
 * NODE_EXTRA_CA_CERTS (read once per process) can point at the bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SimCaFiles {
  caCertPath: string;
  certPath: string;
  keyPath: string;
  /** System CAs + the sim CA: the value for NODE_EXTRA_CA_CERTS. */
  bundlePath: string;
}

const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const MIN_VALIDITY_SECONDS = 7 * 24 * 3600;

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/**
 * Vaults are `{vault}.vault.localhost` and Managed HSM pools `{hsm}.managedhsm.localhost` (see localhost-resolver.mjs);
 * Node accepts a wildcard of three labels.
 */
const LEAF_NAMES = 'DNS:localhost,DNS:*.vault.localhost,DNS:*.managedhsm.localhost,IP:127.0.0.1';

function namesAllHosts(certPath: string): boolean {
  try {
    return execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', certPath], { stdio: 'pipe' }).toString().includes('*.managedhsm.localhost');
  } catch {
    return false;
  }
}

function issueLeaf(dir: string): void {
  // Written aside and renamed, so a simulator starting meanwhile never reads a new key with an old certificate.
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'localhost.key.new', '-out', 'localhost.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(path.join(dir, 'leaf.ext'), [
    `subjectAltName=${LEAF_NAMES}`,
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  // 397 days: the longest lifetime browsers accept for a leaf certificate.
  openssl(['x509', '-req', '-in', 'localhost.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'localhost.crt.new', '-days', '397', '-extfile', 'leaf.ext'], dir);
  renameSync(path.join(dir, 'localhost.key.new'), path.join(dir, 'localhost.key'));
  renameSync(path.join(dir, 'localhost.crt.new'), path.join(dir, 'localhost.crt'));
}

function stillValid(certPath: string): boolean {
  try {
    openssl(['x509', '-checkend', String(MIN_VALIDITY_SECONDS), '-noout', '-in', certPath], path.dirname(certPath));
    return true;
  } catch {
    return false;
  }
}

export function ensureSimCa(dir: string = path.join(repoRoot, '.data/sim-ca')): SimCaFiles {
  const files: SimCaFiles = {
    caCertPath: path.join(dir, 'ca.crt'),
    certPath: path.join(dir, 'localhost.crt'),
    keyPath: path.join(dir, 'localhost.key'),
    bundlePath: path.join(dir, 'bundle.crt'),
  };
  const complete = Object.values(files).every((file) => existsSync(file));
  if (complete && stillValid(files.caCertPath) && stillValid(files.certPath)) {
    if (namesAllHosts(files.certPath)) return files;
    // An older leaf without the vault and HSM names: re-issue it under the same CA, so running processes keep trusting it.
    if (existsSync(path.join(dir, 'ca.key'))) {
      issueLeaf(dir);
      return files;
    }
  }

  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '825',
    '-subj', '/CN=CMK Portal Azure Simulator CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  issueLeaf(dir);
  const system = existsSync(SYSTEM_BUNDLE) ? readFileSync(SYSTEM_BUNDLE, 'utf8') : '';
  writeFileSync(files.bundlePath, `${system.trimEnd()}\n${readFileSync(files.caCertPath, 'utf8')}`);
  return files;
}
