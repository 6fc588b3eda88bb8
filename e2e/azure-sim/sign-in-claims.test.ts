// The simulator's Entra emits the claims the portal decides on only as Entra does: wids with groupMembershipClaims,
// acct/auth_time when configured as optional claims (auth_time always with max_age), acrs on a claims request, idp
// for guests, and prompt=none refused when the last sign-in is older than max_age. Rows in FIDELITY.md.
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { PERSONAS, SIM, type PersonaName } from './seed';
import { signInForCode, TEST_REDIRECT_URI } from './testing';

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true });
});
afterAll(() => sim.stop());

function authorizeUrl(persona: PersonaName, extra: Record<string, string> = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const url = `${sim.url}/${PERSONAS[persona].tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: SIM.portalClientId, response_type: 'code', redirect_uri: TEST_REDIRECT_URI, scope: `openid profile offline_access ${SIM.portalApiScope}`,
    state: 's', nonce: 'n', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', response_mode: 'query', ...extra,
  })}`;
  return { url, verifier };
}

async function tokens(persona: PersonaName, extra: Record<string, string> = {}) {
  const { url, verifier } = authorizeUrl(persona, extra);
  const signIn = await signInForCode(sim, persona, SIM.portalApiScope, url);
  const response = await fetch(`${sim.url}/${PERSONAS[persona].tenantId}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: SIM.portalClientId, code: signIn.code, redirect_uri: TEST_REDIRECT_URI, code_verifier: verifier, scope: `openid offline_access ${SIM.portalApiScope}` }),
  });
  const body = (await response.json()) as { access_token: string; id_token: string };
  return { access: decodeJwt(body.access_token), id: decodeJwt(body.id_token) };
}

const portal = () => {
  const app = sim.state.applications.get(SIM.portalClientId);
  if (!app) throw new Error('no portal app');
  return app;
};

describe('sign-in claims of the portal app', () => {
  it('puts directory role template ids in wids, app roles in roles, acct and auth_time as configured', async () => {
    const { access, id } = await tokens('fabrikamAdmin');
    expect(access.wids).toEqual(expect.arrayContaining(['62e90394-69f5-4237-9190-012177145e10']));
    expect(access.acct).toBe(0);
    expect(typeof access.auth_time).toBe('number');
    expect(id.auth_time).toBe(access.auth_time);
    expect(access.idp).toBeUndefined();
    expect((await tokens('contosoReader')).access.roles).toEqual(['Customer.Reader']);
  });

  it('marks guests with acct 1 and an idp naming their home tenant', async () => {
    const { access } = await tokens('contosoGuest');
    expect(access.acct).toBe(1);
    expect(access.idp).toBe(`${sim.url}/${PERSONAS.fabrikamAdmin.tenantId}/`);
  });

  it('emits none of them when the registration does not ask for them (auth_time still with max_age)', async () => {
    const saved = { optionalClaims: portal().optionalClaims, groupMembershipClaims: portal().groupMembershipClaims };
    portal().optionalClaims = { idToken: [], accessToken: [] };
    portal().groupMembershipClaims = null;
    try {
      const plain = await tokens('contosoGuest');
      expect(plain.access.wids).toBeUndefined();
      expect(plain.access.acct).toBeUndefined();
      expect(plain.access.auth_time).toBeUndefined();
      expect(plain.id.auth_time).toBeUndefined();
      expect(plain.access.idp).toBeDefined();
      const withMaxAge = await tokens('fabrikamAdmin', { max_age: '600' });
      expect(typeof withMaxAge.id.auth_time).toBe('number');
      expect(withMaxAge.access.auth_time).toBeUndefined();
    } finally {
      Object.assign(portal(), saved);
    }
  });

  it('adds the authentication context a claims request asks for to acrs', async () => {
    const { access } = await tokens('support', { claims: JSON.stringify({ access_token: { acrs: { essential: true, value: 'c1' } } }) });
    expect(access.acrs).toEqual(['c1']);
    expect((await tokens('support')).access.acrs).toBeUndefined();
  });

  it('answers prompt=none with login_required when the last sign-in is older than max_age', async () => {
    const first = await signInForCode(sim, 'support', SIM.portalApiScope);
    const cookie = `simsso=${PERSONAS.support.oid}`;
    expect(first.code).not.toBe('');
    const silent = (maxAge: string) => fetch(authorizeUrl('support', { prompt: 'none', max_age: maxAge }).url, { redirect: 'manual', headers: { cookie } });
    expect(new URL((await silent('600')).headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(new URL((await silent('0')).headers.get('location') ?? '').searchParams.get('error')).toBe('login_required');
  });
});
