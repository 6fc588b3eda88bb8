// Forged tokens are refused. A small HTTPS JWKS endpoint (the simulator's CA) plays Entra's key
// publication, so the test can sign tokens with any claims it needs.
import { createServer, type Server } from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSimCa } from "../../e2e/azure-sim/ca";
import { setAppEnvForTests } from "../testing/app-env";
import { verifyIdToken, verifyPortalAccessToken } from "./token-validation";

const TENANT_A = "aaaaaaaa-0000-4000-8000-00000000000a";
const TENANT_B = "bbbbbbbb-0000-4000-8000-00000000000b";
const CLIENT = "22222222-2222-4222-8222-222222222222";
const OID = "0e1b6a1c-1111-4aaa-8bbb-222233334444";
const KID = "test-key";

let server: Server;
let host: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KID, use: "sig" };
  const ca = ensureSimCa();
  server = createServer({ cert: readFileSync(ca.certPath), key: readFileSync(ca.keyPath) }, (req, res) => {
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
  const jwt = new SignJWT({ tid: TENANT_A, oid: OID, preferred_username: "admin@contoso.example", name: "Connie", scp: "access_as_user", ...claims })
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
    expect(identity).toEqual({ tenantId: TENANT_A, objectId: OID, userName: "admin@contoso.example", displayName: "Connie", roles: ["Operator"] });
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

describe("ID tokens", () => {
  it("requires the nonce this browser was given", async () => {
    const idToken = await token({ aud: CLIENT, nonce: "n-123", scp: undefined });
    await expect(verifyIdToken(idToken, "n-123")).resolves.toMatchObject({ tenantId: TENANT_A });
    await expect(verifyIdToken(idToken, "n-999")).rejects.toThrow(/nonce/);
    await expect(verifyIdToken(await token({ aud: CLIENT, scp: undefined }), "n-123")).rejects.toThrow(/nonce/);
  });

  it("refuses an access token presented as an ID token", async () => {
    await expect(verifyIdToken(await token({ nonce: "n-1" }), "n-1")).rejects.toThrow(/aud is wrong/);
  });
});
