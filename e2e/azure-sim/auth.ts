/** Bearer-token checks shared by ARM, Graph and Key Vault: signature, expiry, audience, tenant. */
import type { SimContext } from './context';
import { bearerToken, serviceError, type Service, type SimRequest, type SimResponse } from './http';
import type { Claims } from './tokens';

export type Authenticated = { ok: true; claims: Claims } | { ok: false; response: SimResponse };

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

function expiredAt(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
    return payload.exp ?? 0;
  } catch {
    return 0;
  }
}

/** ARM: 401 with the codes ARM uses and its WWW-Authenticate header. */
export function authenticateArm(ctx: SimContext, req: SimRequest, audiences: string[]): Authenticated {
  const fail = (code: string, message: string): Authenticated => ({ ok: false, response: serviceError('arm', 401, code, message, {
    'www-authenticate': `Bearer authorization_uri="${ctx.origin}/", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
  }) });
  const token = bearerToken(req);
  if (!token) return fail('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
  const verified = ctx.signer.verify(token);
  if (!verified.ok) {
    if (verified.reason === 'expired') {
      return fail('ExpiredAuthenticationToken', `The access token expiry UTC time '${iso(expiredAt(token))}' is earlier than current UTC time '${new Date().toISOString()}'.`);
    }
    return fail('InvalidAuthenticationToken', 'The access token is invalid.');
  }
  if (!audiences.includes(verified.claims.aud)) {
    return fail('InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${verified.claims.aud}'. It should exactly match with one of the allowed audiences ${audiences.map((a) => `'${a}'`).join(',')}.`);
  }
  return { ok: true, claims: verified.claims };
}

export function armWrongTenant(ctx: SimContext, claims: Claims, tenantId: string): SimResponse {
  return serviceError('arm', 401, 'InvalidAuthenticationTokenTenant',
    `The access token is from the wrong issuer '${claims.iss}'. It must match the tenant '${ctx.origin}/${tenantId}/v2.0' associated with this subscription. Please use the authority (URL) '${ctx.origin}/${tenantId}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
    { 'www-authenticate': `Bearer authorization_uri="${ctx.origin}/${tenantId}", error="invalid_token", error_description="The access token is from the wrong issuer."` });
}

/** Graph and other services whose 401 is a plain InvalidAuthenticationToken. */
export function authenticateSimple(ctx: SimContext, req: SimRequest, service: Service, audiences: string[]): Authenticated {
  const fail = (message: string): Authenticated => ({ ok: false, response: serviceError(service, 401, 'InvalidAuthenticationToken', message) });
  const token = bearerToken(req);
  if (!token) return fail('Access token is empty.');
  const verified = ctx.signer.verify(token);
  if (!verified.ok) return fail(verified.reason === 'expired' ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid signature.');
  if (!audiences.includes(verified.claims.aud)) return fail('Access token validation failure. Invalid audience.');
  return { ok: true, claims: verified.claims };
}
