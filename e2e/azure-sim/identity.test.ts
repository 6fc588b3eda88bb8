/**
 * Entra ID and managed-identity strictness that real Azure enforces: delegated consent per resource for
 * on-behalf-of, access token versions per API, SPA vs Web redirect platforms, identities attached to the host.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from './index';
import { defaultScenario, PERSONAS, SIM, type PersonaName } from './seed';
import { ARM_SCOPE, signInForCode } from './testing';

let sim: SimHandle;
const contoso = SIM.customers.contoso;
const ARM_USER_IMPERSONATION = 'https://management.azure.com/user_impersonation';
const SECOND_IDENTITY = { subscriptionId: SIM.providerSubscriptionId, resourceGroup: SIM.providerResourceGroup, name: 'batch-identity',
  location: 'westeurope', clientId: '77777777-7777-4777-8777-777777777777', principalId: '88888888-8888-4888-8888-888888888888' };

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => sim.stop());
beforeEach(() => sim.reset());

async function post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const tokenUrl = (persona: PersonaName) => `${sim.url}/${PERSONAS[persona].tenantId}/oauth2/v2.0/token`;

/** Signs in as `persona` asking for `scope` (plus anything else to consent to), redeems the code and returns the API token. */
async function apiTokenAfterSignIn(persona: PersonaName, scope: string, consent: 'accept' | 'accept-for-organization' = 'accept'): Promise<string> {
  const signIn = await signInForCode(sim, persona, scope, undefined, consent);
  const redeemed = await post(tokenUrl(persona), { grant_type: 'authorization_code', client_id: SIM.portalClientId, code: signIn.code,
    redirect_uri: signIn.redirectUri, code_verifier: signIn.codeVerifier, scope: SIM.portalApiScope });
  expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(200);
  return redeemed.body.access_token as string;
}

function onBehalfOf(persona: PersonaName, assertion: string, scope: string) {
  return post(tokenUrl(persona), { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: SIM.portalClientId,
    client_secret: SIM.portalClientSecret, assertion, requested_token_use: 'on_behalf_of', scope });
}

describe('on-behalf-of needs delegated consent for the downstream resource', () => {
  it('refuses ARM with invalid_grant / consent_required (AADSTS65001) when only the portal API was consented', async () => {
    sim.faults.revokeConsent(SIM.portalClientId, contoso.tenantId);
    const apiToken = await apiTokenAfterSignIn('contosoAdmin', SIM.portalApiScope);
    const obo = await onBehalfOf('contosoAdmin', apiToken, ARM_SCOPE);
    expect(obo.status).toBe(400);
    expect(obo.body).toMatchObject({ error: 'invalid_grant', suberror: 'consent_required', error_codes: [65001] });
    expect(String(obo.body.error_description)).toMatch(/^AADSTS65001: The user or administrator has not consented/);
  });

  it('issues ARM tokens after a sign-in that also consented to ARM user_impersonation (combined consent)', async () => {
    sim.faults.revokeConsent(SIM.portalClientId, contoso.tenantId);
    const apiToken = await apiTokenAfterSignIn('contosoAdmin', `${SIM.portalApiScope} ${ARM_USER_IMPERSONATION}`);
    const obo = await onBehalfOf('contosoAdmin', apiToken, ARM_SCOPE);
    expect(obo.status, JSON.stringify(obo.body)).toBe(200);
    expect(decodeJwt(obo.body.access_token as string)).toMatchObject({ aud: 'https://management.azure.com', scp: 'user_impersonation' });
    // The user consented for themselves: a colleague still has no grant.
    const colleague = await onBehalfOf('contosoKeyAdmin', await apiTokenAfterSignIn('contosoKeyAdmin', SIM.portalApiScope), ARM_SCOPE);
    expect(colleague.body).toMatchObject({ suberror: 'consent_required' });
  });

  it('the consent prompt lists only what is missing, and everything requested with prompt=consent', async () => {
    sim.faults.revokeDelegatedGrants(SIM.portalClientId, contoso.tenantId, 'https://management.azure.com');
    const scope = `openid ${SIM.portalApiScope} ${ARM_USER_IMPERSONATION} https://vault.azure.net/user_impersonation`;
    const prompt = async (extra: Record<string, string>) => {
      const url = `${sim.url}/${contoso.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: SIM.portalClientId, response_type: 'code',
        redirect_uri: 'http://localhost:3000/auth/callback', scope, state: 's', nonce: 'n', ...extra })}`;
      const requestId = /name="sim_request" value="([^"]+)"/.exec(await (await fetch(url)).text())?.[1] ?? '';
      const page = await (await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ sim_request: requestId, sim_user: PERSONAS.contosoAdmin.oid }) })).text();
      return [...page.matchAll(/data-permission="([^"]+)"/g)].map((m) => m[1]);
    };
    expect(await prompt({})).toEqual([ARM_USER_IMPERSONATION]);
    expect(await prompt({ prompt: 'consent' })).toEqual([SIM.portalApiScope, ARM_USER_IMPERSONATION, 'https://vault.azure.net/user_impersonation']);
  });

  it('an administrator consenting for the organization covers every user of the tenant', async () => {
    sim.faults.revokeConsent(SIM.portalClientId, contoso.tenantId);
    await apiTokenAfterSignIn('contosoAdmin', `${SIM.portalApiScope} ${ARM_USER_IMPERSONATION}`, 'accept-for-organization');
    const colleague = await onBehalfOf('contosoKeyAdmin', await apiTokenAfterSignIn('contosoKeyAdmin', SIM.portalApiScope), ARM_SCOPE);
    expect(colleague.status, JSON.stringify(colleague.body)).toBe(200);
  });

  it('admin consent grants the requiredResourceAccess tenant-wide; removing one resource grant refuses that resource only', async () => {
    const apiToken = await apiTokenAfterSignIn('contosoUser', SIM.portalApiScope);
    expect((await onBehalfOf('contosoUser', apiToken, ARM_SCOPE)).status).toBe(200);
    sim.faults.revokeDelegatedGrants(SIM.portalClientId, contoso.tenantId, 'https://management.azure.com');
    expect((await onBehalfOf('contosoUser', apiToken, ARM_SCOPE)).body).toMatchObject({ error: 'invalid_grant', suberror: 'consent_required' });
    expect((await onBehalfOf('contosoUser', apiToken, 'https://vault.azure.net/.default')).status).toBe(200);
  });

  it('Conditional Access MFA for the downstream resource → interaction_required (AADSTS50076) with a claims challenge', async () => {
    const apiToken = await apiTokenAfterSignIn('contosoAdmin', SIM.portalApiScope);
    sim.faults.requireMfa(contoso.tenantId);
    const obo = await onBehalfOf('contosoAdmin', apiToken, ARM_SCOPE);
    expect(obo.status).toBe(400);
    expect(obo.body).toMatchObject({ error: 'interaction_required', error_codes: [50076], suberror: 'basic_action' });
    expect(JSON.parse(String(obo.body.claims))).toHaveProperty('access_token');
  });
});

describe('access token version follows api.requestedAccessTokenVersion of the resource app', () => {
  it('v2 (the portal as seeded): v2 issuer, azp, preferred_username, ver 2.0', async () => {
    const claims = decodeJwt(await apiTokenAfterSignIn('contosoAdmin', SIM.portalApiScope));
    expect(claims).toMatchObject({ iss: `${sim.url}/${contoso.tenantId}/v2.0`, ver: '2.0', azp: SIM.portalClientId, preferred_username: PERSONAS.contosoAdmin.upn });
  });

  it('v1 (null or 1): v1-shaped issuer bound to the tenant, appid, upn/unique_name, ver 1.0, no azp', async () => {
    sim.faults.setAccessTokenVersion(SIM.portalClientId, null);
    const claims = decodeJwt(await apiTokenAfterSignIn('contosoAdmin', SIM.portalApiScope));
    expect(claims).toMatchObject({ iss: `${sim.url}/${contoso.tenantId}/`, ver: '1.0', appid: SIM.portalClientId, upn: PERSONAS.contosoAdmin.upn,
      unique_name: PERSONAS.contosoAdmin.upn, aud: `api://${SIM.portalClientId}`, tid: contoso.tenantId, scp: 'access_as_user' });
    expect(claims.azp).toBeUndefined();
    expect(claims.preferred_username).toBeUndefined();
  });
});

describe('redirect URI platforms: SPA vs Web', () => {
  async function codeFor(redirectUri: string) {
    const verifier = randomBytes(32).toString('base64url');
    const url = `${sim.url}/${contoso.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: SIM.portalClientId, response_type: 'code',
      redirect_uri: redirectUri, scope: `openid ${SIM.portalApiScope}`, state: 's', nonce: 'n', response_mode: 'query',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' })}`;
    const signIn = await signInForCode(sim, 'contosoAdmin', SIM.portalApiScope, url);
    return { code: signIn.code, verifier };
  }
  const redeem = (redirectUri: string, code: string, verifier: string, headers: Record<string, string>) => post(tokenUrl('contosoAdmin'),
    { grant_type: 'authorization_code', client_id: SIM.portalClientId, code, redirect_uri: redirectUri, code_verifier: verifier, scope: SIM.portalApiScope }, headers);

  it('a browser (Origin, PKCE, no secret) redeeming for a Web-only redirect URI gets AADSTS9002326', async () => {
    const web = 'http://localhost:3000/api/consent/callback';
    const { code, verifier } = await codeFor(web);
    const redeemed = await redeem(web, code, verifier, { origin: 'http://localhost:3000' });
    expect(redeemed.status).toBe(400);
    expect(redeemed.body).toMatchObject({ error: 'invalid_request', error_codes: [9002326] });
    expect(String(redeemed.body.error_description)).toContain("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type");
  });

  it('a SPA redirect URI redeems cross-origin with PKCE alone', async () => {
    const spa = 'http://localhost:3000/auth/callback';
    const { code, verifier } = await codeFor(spa);
    expect((await redeem(spa, code, verifier, { origin: 'http://localhost:3000' })).status).toBe(200);
  });

  it('a Web redirect URI redeemed server-side without a client credential is refused (AADSTS7000218)', async () => {
    const web = 'http://localhost:3000/api/consent/callback';
    const { code, verifier } = await codeFor(web);
    const redeemed = await redeem(web, code, verifier, {});
    expect(redeemed.status).toBe(401);
    expect(redeemed.body).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
  });
});

describe('managed identity endpoint serves only identities attached to the host', () => {
  const msi = (query: Record<string, string>) => fetch(`${sim.appEnv().IDENTITY_ENDPOINT}?${new URLSearchParams({ 'api-version': '2019-08-01', resource: 'https://management.azure.com', ...query })}`,
    { headers: { 'X-IDENTITY-HEADER': sim.appEnv().IDENTITY_HEADER ?? '' } });

  it('issues a token for the attached UAMI by client id, resource id or principal id', async () => {
    const queries: Record<string, string>[] = [{ client_id: SIM.uami.clientId }, { mi_res_id: SIM.uami.resourceId }, { principal_id: SIM.uami.principalId }];
    for (const query of queries) {
      const response = await msi(query);
      expect(response.status).toBe(200);
      expect(decodeJwt(((await response.json()) as { access_token: string }).access_token)).toMatchObject({ oid: SIM.uami.principalId });
    }
  });

  it('answers 400 “Unable to load the proper Managed Identity.” for an identity that exists but is not attached', async () => {
    // A second UAMI in the provider's subscription, attached to some other resource than the product's host.
    sim.reset((origin) => {
      const scenario = defaultScenario(origin);
      return { ...scenario, hostIdentities: [SIM.uami.clientId], userAssignedIdentities: [...(scenario.userAssignedIdentities ?? []), SECOND_IDENTITY] };
    });
    const other = await msi({ client_id: SECOND_IDENTITY.clientId });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ statusCode: 400, message: 'Unable to load the proper Managed Identity.' });
    expect((await msi({ client_id: SIM.uami.clientId })).status).toBe(200);
  });

  it('without an id asks for a system-assigned identity, which the host does not have; detaching the UAMI stops its tokens', async () => {
    expect((await msi({})).status).toBe(400);
    sim.faults.setHostIdentities([]);
    expect((await msi({ client_id: SIM.uami.clientId })).status).toBe(400);
  });
});
