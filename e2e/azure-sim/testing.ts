/**
 * Helpers for tests that talk to the simulator through the real SDKs: an interactive sign-in
 * driven over HTTP (the sign-in page's form), and credentials for each persona.
 */
import { createHash, randomBytes } from 'node:crypto';
import { OnBehalfOfCredential, type TokenCredential } from '@azure/identity';
import type { SimHandle } from './index';
import { PERSONAS, SIM, type PersonaName } from './seed';

export interface SignInResult { code: string; codeVerifier: string; nonce: string; state: string; redirectUri: string; location: string }

export const TEST_REDIRECT_URI = 'http://localhost:3000/redirect';

/**
 * Walks /authorize → sign-in page → pick the persona → (consent prompt, when Entra shows one: `consent` decides)
 * → redirect with `code` (PKCE S256, nonce, state).
 */
export async function signInForCode(sim: SimHandle, persona: PersonaName, scope: string, authorizeUrl?: string,
  consent: 'accept' | 'accept-for-organization' | 'cancel' = 'accept'): Promise<SignInResult> {
  const user = PERSONAS[persona];
  const codeVerifier = randomBytes(32).toString('base64url');
  const nonce = randomBytes(8).toString('hex');
  const state = randomBytes(8).toString('hex');
  const url = authorizeUrl ?? `${sim.url}/${user.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: SIM.portalClientId, response_type: 'code', redirect_uri: TEST_REDIRECT_URI, scope: `openid profile offline_access ${scope}`,
    state, nonce, code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'), code_challenge_method: 'S256', response_mode: 'query',
  })}`;
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  const requestId = /name="sim_request" value="([^"]+)"/.exec(html)?.[1];
  if (!requestId) throw new Error(`No sign-in form (HTTP ${page.status}): ${html.slice(0, 300)}`);
  const post = (fields: Record<string, string>) => fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ sim_request: requestId, ...fields }) });
  let picked = await post({ sim_user: user.oid });
  if (picked.status === 200 && (await picked.text()).includes('name="sim_decision"')) {
    picked = await post({ sim_decision: consent === 'cancel' ? 'cancel' : 'accept', ...(consent === 'accept-for-organization' ? { sim_org_consent: 'on' } : {}) });
  }
  const location = picked.headers.get('location') ?? '';
  const redirected = new URL(location);
  const params = new URLSearchParams(redirected.search || redirected.hash.slice(1));
  return { code: params.get('code') ?? '', codeVerifier, nonce, state: params.get('state') ?? '', redirectUri: TEST_REDIRECT_URI, location };
}

/** A user access token for the portal API (what the browser sends to the product's backend). */
export async function portalApiToken(sim: SimHandle, persona: PersonaName): Promise<string> {
  const signIn = await signInForCode(sim, persona, SIM.portalApiScope);
  const response = await fetch(`${sim.url}/${PERSONAS[persona].tenantId}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: SIM.portalClientId, code: signIn.code,
      redirect_uri: signIn.redirectUri, code_verifier: signIn.codeVerifier, scope: `openid offline_access ${SIM.portalApiScope}` }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`Token request failed: ${body.error_description ?? response.status}`);
  return body.access_token;
}

/** The portal's on-behalf-of credential for a signed-in persona (how the product calls ARM/Key Vault as the user). */
export async function personaCredential(sim: SimHandle, persona: PersonaName): Promise<TokenCredential> {
  // disableInstanceDiscovery is honoured at runtime though OnBehalfOfCredential's option type does not list it.
  const options = {
    tenantId: PERSONAS[persona].tenantId, clientId: SIM.portalClientId, clientSecret: SIM.portalClientSecret,
    userAssertionToken: await portalApiToken(sim, persona), authorityHost: sim.url, disableInstanceDiscovery: true,
  };
  return new OnBehalfOfCredential(options);
}

export const ARM_SCOPE = 'https://management.azure.com/.default';
