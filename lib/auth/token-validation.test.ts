// Forged tokens are refused. A small HTTPS JWKS endpoint (the simulator's CA) plays Entra's key
// publication, so the test can sign tokens with any claims it needs.
import { createServer, type Server } from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSimCa } from "../../e2e/azure-sim/ca";
import { setAppEnvForTests } from "../testing/app-env";
import { v1IssuerFor } from "../azure/endpoints";
import { cachedJwksTenants, JWKS_CACHE_MAX_TENANTS, verifyIdToken, verifyPortalAccessToken } from "./token-validation";

const TENANT_A = "aaaaaaaa-0000-4000-8000-00000000000a";
const TENANT_B = "bbbbbbbb-0000-4000-8000-00000000000b";
const CLIENT = "22222222-2222-4222-8222-222222222222";
const OID = "0e1b6a1c-1111-4aaa-8bbb-222233334444";
const KID = "test-key";

let server: Server;
let host: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
const jwksFetches = new Map<string, number>();

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KID, use: "sig" };
  const ca = ensureSimCa();
  server = createServer({ cert: readFileSync(ca.certPath), key: readFileSync(ca.keyPath) }, (req, res) => {
    const tenant = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(req.url ?? "")?.[1];
    if (tenant) jwksFetches.set(tenant, (jwksFetches.get(tenant) ?? 0) + 1);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(/\/discovery\/v2\.0\/keys$/.test(req.url ?? "") ? { keys: [jwk] } : {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `https://localhost:${(server.address() as AddressInfo).port}`;
  setAppEnvForTests({ AZURE_AUTHORITY_HOST: host });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

type Claims = Record<string, unknown>;

async function token(claims: Claims, options: { key?: CryptoKey; expiresIn?: string | number; kid?: string } = {}) {
  const jwt = new SignJWT({ tid: TENANT_A, oid: OID, preferred_username: "admin@contoso.example", name: "Connie", scp: "access_as_user", ver: "2.0", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? KID })
    .setIssuedAt()
    .setIssuer((claims.iss as string) ?? `${host}/${(claims.tid as string) ?? TENANT_A}/v2.0`)
    .setAudience((claims.aud as string) ?? `api://${CLIENT}`)
    .setExpirationTime(options.expiresIn ?? "1h");
  return jwt.sign(options.key ?? signingKey);
}

describe("portal access tokens", () => {
  it("accepts a genuine token and reads identity and roles from it", async () => {
    const identity = await verifyPortalAccessToken(await token({ roles: ["Operator"] }));
    expect(identity).toMatchObject({ tenantId: TENANT_A, objectId: OID, userName: "admin@contoso.example", displayName: "Connie", roles: ["Operator"], guest: false, personalAccount: false });
  });

  it("refuses a token with a wrong signature", async () => {
    await expect(verifyPortalAccessToken(await token({}, { key: otherKey }))).rejects.toThrow(/bad signature/);
  });

  it("refuses a token whose issuer is not the tenant it claims to be from", async () => {
    await expect(verifyPortalAccessToken(await token({ iss: `${host}/${TENANT_B}/v2.0` }))).rejects.toThrow(/iss is wrong/);
    await expect(verifyPortalAccessToken(await token({ iss: `${host}/common/v2.0` }))).rejects.toThrow(/iss is wrong/);
  });

  it("refuses a token for another audience", async () => {
    await expect(verifyPortalAccessToken(await token({ aud: "https://management.azure.com" }))).rejects.toThrow(/aud is wrong/);
  });

  it("refuses an expired token", async () => {
    await expect(verifyPortalAccessToken(await token({}, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }))).rejects.toThrow(/expired/);
  });

  it("refuses a token without the portal's API scope", async () => {
    await expect(verifyPortalAccessToken(await token({ scp: "User.Read" }))).rejects.toThrow(/scope access_as_user missing/);
  });

  it("refuses garbage and tokens without a tenant", async () => {
    await expect(verifyPortalAccessToken("not-a-jwt")).rejects.toThrow(/malformed/);
    await expect(verifyPortalAccessToken(await token({ tid: undefined, iss: `${host}/${TENANT_A}/v2.0` }))).rejects.toThrow(/no tenant/);
  });
});

/** A v1 access token as Entra issues it to an API whose requestedAccessTokenVersion is null (the default). */
function v1Claims(overrides: Claims = {}): Claims {
  return { iss: `${host}/${TENANT_A}/`, ver: "1.0", appid: CLIENT, upn: "admin@contoso.example", unique_name: "admin@contoso.example", preferred_username: undefined, ...overrides };
}

describe("v1 access tokens (API registration left at requestedAccessTokenVersion null)", () => {
  it("accepts one from the tenant's own v1 issuer and reads the user from upn", async () => {
    const identity = await verifyPortalAccessToken(await token(v1Claims({ roles: ["Support"] })));
    expect(identity).toMatchObject({ tenantId: TENANT_A, objectId: OID, userName: "admin@contoso.example", displayName: "Connie", roles: ["Support"] });
  });

  it("falls back to unique_name when upn is absent (e.g. guest accounts)", async () => {
    const identity = await verifyPortalAccessToken(await token(v1Claims({ upn: undefined, unique_name: "guest@fabrikam.example" })));
    expect(identity.userName).toBe("guest@fabrikam.example");
  });

  it("refuses one whose v1 issuer names another tenant than its tid claim", async () => {
    await expect(verifyPortalAccessToken(await token(v1Claims({ iss: `${host}/${TENANT_B}/` })))).rejects.toThrow(/iss is wrong/);
  });

  it("refuses the v1 issuer without a tenant, and a v1 issuer on a v2 body (or the reverse)", async () => {
    await expect(verifyPortalAccessToken(await token(v1Claims({ iss: `${host}/common/` })))).rejects.toThrow(/iss is wrong/);
    await expect(verifyPortalAccessToken(await token(v1Claims({ ver: "2.0" })))).rejects.toThrow(/issuer does not match token version/);
    await expect(verifyPortalAccessToken(await token({ ver: "1.0" }))).rejects.toThrow(/issuer does not match token version/);
  });

  it("the public cloud's v1 issuer is sts.windows.net, bound to the tenant", () => {
    setAppEnvForTests({ AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com" });
    try {
      expect(v1IssuerFor(TENANT_A)).toBe(`https://sts.windows.net/${TENANT_A}/`);
      setAppEnvForTests({ AZURE_AUTHORITY_HOST: "https://login.partner.microsoftonline.cn" });
      expect(v1IssuerFor(TENANT_A)).toBe(`https://sts.chinacloudapi.cn/${TENANT_A}/`);
      setAppEnvForTests({ AZURE_AUTHORITY_HOST: host, AZURE_V1_ISSUER_HOST: "https://sts.example.test" });
      expect(v1IssuerFor(TENANT_A)).toBe(`https://sts.example.test/${TENANT_A}/`);
    } finally {
      // The simulator's v1 issuer host is its authority host, the default for a host not in the table.
      setAppEnvForTests({ AZURE_AUTHORITY_HOST: host, AZURE_V1_ISSUER_HOST: host });
    }
  });
});

describe("ID tokens", () => {
  it("requires the nonce this browser was given", async () => {
    const idToken = await token({ aud: CLIENT, nonce: "n-123", scp: undefined });
    await expect(verifyIdToken(idToken, "n-123")).resolves.toMatchObject({ tenantId: TENANT_A });
    await expect(verifyIdToken(idToken, "n-999")).rejects.toThrow(/nonce/);
    await expect(verifyIdToken(await token({ aud: CLIENT, scp: undefined }), "n-123")).rejects.toThrow(/nonce/);
  });

  it("accepts only v2 ID tokens (the v2 endpoint issues no other)", async () => {
    await expect(verifyIdToken(await token(v1Claims({ aud: CLIENT, nonce: "n-1", scp: undefined })), "n-1")).rejects.toThrow(/iss is wrong/);
  });

  it("refuses an access token presented as an ID token", async () => {
    await expect(verifyIdToken(await token({ nonce: "n-1" }), "n-1")).rejects.toThrow(/aud is wrong/);
  });
});

describe("claims the portal decides on", () => {
  it("reads directory roles (wids), guest markers, auth_time and acrs", async () => {
    const authTime = Math.floor(Date.now() / 1000) - 60;
    const identity = await verifyPortalAccessToken(await token({ wids: ["62E90394-69F5-4237-9190-012177145E10"], acct: 1, auth_time: authTime, acrs: ["c1"] }));
    expect(identity).toMatchObject({ directoryRoleIds: ["62e90394-69f5-4237-9190-012177145e10"], guest: true, authTime: new Date(authTime * 1000), acrs: ["c1"] });
    expect((await verifyPortalAccessToken(await token({ idp: `https://sts.windows.net/${TENANT_B}/` }))).guest).toBe(true);
    expect((await verifyPortalAccessToken(await token({ idp: `https://sts.windows.net/${TENANT_A}/`, acct: 0 }))).guest).toBe(false);
    expect((await verifyPortalAccessToken(await token({ tid: "9188040d-6c67-4c5b-b112-36a304b66dad" }))).personalAccount).toBe(true);
  });
});

describe("JWKS cache keyed by the unverified tid", () => {
  const tenant = (i: number) => `dddddddd-0000-4000-8000-${String(i).padStart(12, "0")}`;

  it("holds at most JWKS_CACHE_MAX_TENANTS tenants, dropping the least recently used", async () => {
    const count = JWKS_CACHE_MAX_TENANTS + 50;
    for (let i = 0; i < count; i++) {
      await verifyPortalAccessToken(await token({ tid: tenant(i) }));
      // Tenant 0 stays in use, so it is never the least recently used one.
      if (i % 20 === 0) await verifyPortalAccessToken(await token({ tid: tenant(0) }));
    }
    const cached = cachedJwksTenants();
    expect(cached.length).toBe(JWKS_CACHE_MAX_TENANTS);
    expect(cached).toContain(tenant(0));
    expect(cached).not.toContain(tenant(1));
    expect(jwksFetches.get(tenant(0))).toBe(1);
    // An evicted tenant's keys are fetched again when it comes back.
    await verifyPortalAccessToken(await token({ tid: tenant(1) }));
    expect(jwksFetches.get(tenant(1))).toBe(2);
  });
});
