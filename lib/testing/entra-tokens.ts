// A stand-in for Entra's key publication in unit tests: an HTTPS JWKS endpoint (the simulator's CA) and a signer
// that makes ID and access tokens with any claims a test needs. lib/env is pointed at it.
import { createServer, type Server } from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { ensureSimCa } from "../../e2e/azure-sim/ca";
import { setAppEnvForTests } from "./app-env";

export type TokenClaims = Record<string, unknown>;

export type TestEntra = {
  host: string;
  /** How many JWKS documents were fetched, by tenant id. */
  fetches: Map<string, number>;
  sign(claims: TokenClaims, options?: { key?: CryptoKey; expiresIn?: string | number }): Promise<string>;
  otherKey: CryptoKey;
  close(): Promise<void>;
};

const KID = "test-key";

export async function startTestEntra(env: Record<string, string> = {}): Promise<TestEntra> {
  const pair = await generateKeyPair("RS256");
  const otherKey = (await generateKeyPair("RS256")).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: KID, use: "sig" };
  const fetches = new Map<string, number>();
  const ca = ensureSimCa();
  const server: Server = createServer({ cert: readFileSync(ca.certPath), key: readFileSync(ca.keyPath) }, (req, res) => {
    res.setHeader("content-type", "application/json");
    const match = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(req.url ?? "");
    if (match?.[1]) fetches.set(match[1], (fetches.get(match[1]) ?? 0) + 1);
    res.end(JSON.stringify(match ? { keys: [jwk] } : {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `https://localhost:${(server.address() as AddressInfo).port}`;
  setAppEnvForTests({ AZURE_AUTHORITY_HOST: host, ...env });
  return {
    host,
    fetches,
    otherKey,
    async sign(claims, options = {}) {
      const tid = (claims.tid as string | undefined) ?? "aaaaaaaa-0000-4000-8000-00000000000a";
      return new SignJWT({ oid: "0e1b6a1c-1111-4aaa-8bbb-222233334444", preferred_username: "admin@contoso.example", name: "Connie", ver: "2.0", ...claims, tid })
        .setProtectedHeader({ alg: "RS256", kid: KID })
        .setIssuedAt()
        .setIssuer((claims.iss as string) ?? `${host}/${tid}/v2.0`)
        .setAudience(claims.aud as string)
        .setExpirationTime(options.expiresIn ?? "1h")
        .sign(options.key ?? pair.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
