/**
 * RS256 JWTs as Entra issues them. One signing key per simulator start (Entra shares its
 * keys across tenants too); a new `kid` per start makes cached JWKS of an old run miss.
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown> & {
  iss: string; aud: string; tid: string; oid: string; sub: string; iat: number; nbf: number; exp: number;
  appid?: string; azp?: string; scp?: string; roles?: string[]; idtyp?: string; nonce?: string;
};

export type VerifyResult =
  | { ok: true; claims: Claims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'not_yet_valid' };

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class TokenSigner {
  readonly kid = randomBytes(16).toString('base64url');
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly jwk: Record<string, unknown>;

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.jwk = this.publicKey.export({ format: 'jwk' });
  }

  /** The JWKS document, shaped like Entra's (`kty`, `use`, `kid`, `n`, `e`, no `alg`). */
  jwks(issuer: string): { keys: Record<string, unknown>[] } {
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, x5t: this.kid, n: this.jwk.n, e: this.jwk.e, issuer }] };
  }

  sign(claims: Omit<Claims, 'iat' | 'nbf' | 'exp'> & { lifetimeSeconds?: number }): { token: string; expiresIn: number; exp: number } {
    const now = Math.floor(Date.now() / 1000);
    const { lifetimeSeconds = 3599, ...rest } = claims;
    const exp = now + lifetimeSeconds;
    // A random `uti` makes same-second tokens differ (msal-node's OBO cache would otherwise answer from cache).
    const payload = { ver: '2.0', ...rest, iat: now, nbf: now, exp, uti: randomBytes(16).toString('base64url'), rh: '0.sim' };
    const header = { typ: 'JWT', alg: 'RS256', kid: this.kid };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.privateKey);
    return { token: `${signingInput}.${b64url(signature)}`, expiresIn: lifetimeSeconds, exp };
  }

  verify(token: string): VerifyResult {
    const [headerPart, payloadPart, signaturePart, ...extra] = token.split('.');
    if (!headerPart || !payloadPart || !signaturePart || extra.length > 0) return { ok: false, reason: 'malformed' };
    let header: { alg?: string; kid?: string };
    let claims: Claims;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Claims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (header.alg !== 'RS256' || header.kid !== this.kid) return { ok: false, reason: 'signature' };
    const valid = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), this.publicKey, Buffer.from(signaturePart, 'base64url'));
    if (!valid) return { ok: false, reason: 'signature' };
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, reason: 'expired' };
    if (typeof claims.nbf === 'number' && claims.nbf > now + 300) return { ok: false, reason: 'not_yet_valid' };
    return { ok: true, claims };
  }
}

/**
 * The simulator's stand-in for the v1 issuer `https://sts.windows.net/{tid}/`: the simulator origin takes the place of
 * sts.windows.net (one host plays every Entra endpoint), with the v1 shape `/{tid}/` (no `/v2.0`, trailing slash).
 */
export function v1IssuerFor(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/`;
}

/**
 * A v2-shaped access token reshaped as Entra issues it to an API that asks for v1 tokens
 * (`api.requestedAccessTokenVersion` null or 1): v1 issuer, `ver` 1.0, `appid`/`appidacr` instead of
 * `azp`/`azpacr`, `upn`/`unique_name` instead of `preferred_username`.
 */
export function asV1AccessToken<T extends Record<string, unknown> & { tid: string; azp?: string; appid?: string }>(claims: T, origin: string) {
  const { azp, azpacr, preferred_username, ...rest } = claims;
  const user = typeof preferred_username === 'string' ? { upn: preferred_username, unique_name: preferred_username } : {};
  return { ...rest, ...user, iss: v1IssuerFor(origin, claims.tid), ver: '1.0', appid: azp ?? claims.appid, appidacr: azpacr ?? '1' };
}

export function newCorrelationId(): string {
  return randomUUID();
}
