/**
 * A throw-away certificate authority for the simulator's HTTPS listener.
 * Synchronous on purpose: vitest.config.ts calls it before workers fork so that
 * NODE_EXTRA_CA_CERTS (read once per process) can point at the bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  if (complete && stillValid(files.caCertPath) && stillValid(files.certPath)) return files;

  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '825',
    '-subj', '/CN=CMK Portal Azure Simulator CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'localhost.key', '-out', 'localhost.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(path.join(dir, 'leaf.ext'), [
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  // 397 days: the longest lifetime browsers accept for a leaf certificate.
  openssl(['x509', '-req', '-in', 'localhost.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'localhost.crt', '-days', '397', '-extfile', 'leaf.ext'], dir);
  const system = existsSync(SYSTEM_BUNDLE) ? readFileSync(SYSTEM_BUNDLE, 'utf8') : '';
  writeFileSync(files.bundlePath, `${system.trimEnd()}\n${readFileSync(files.caCertPath, 'utf8')}`);
  return files;
}
