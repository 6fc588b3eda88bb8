/**
 * Key material for Key Vault keys. Generating 3072-bit RSA keys takes long enough to break the
 * "starts in under a second" budget, so material is made lazily and kept per key identity across
 * resets (a reset gives the same seeded key version the same bits).
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export interface KeyMaterial {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK members: n/e for RSA, crv/x/y for EC. */
  jwk: Record<string, string>;
}

const pool = new Map<string, Promise<KeyMaterial>>();

const EC_CURVES: Record<number, string> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };

export function keyMaterial(identity: string, kty: string, size: number): Promise<KeyMaterial> {
  const cacheKey = `${identity}|${kty}|${size}`;
  let pending = pool.get(cacheKey);
  if (!pending) {
    const made = kty.startsWith('EC')
      ? generate('ec', { namedCurve: EC_CURVES[size] ?? 'P-256' })
      : generate('rsa', { modulusLength: size });
    pending = made.then(({ privateKey, publicKey }) => {
      const jwk = Object.fromEntries(Object.entries(publicKey.export({ format: 'jwk' }))
        .filter((e): e is [string, string] => e[0] !== 'kty' && typeof e[1] === 'string'));
      return { privateKey, publicKey, jwk };
    });
    pool.set(cacheKey, pending);
  }
  return pending;
}
