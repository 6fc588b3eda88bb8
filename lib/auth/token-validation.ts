// Validates Entra tokens ourselves: MSAL does not check signatures, issuers or audiences for us.
// Access tokens for our API come as v2 or v1 (an API registration whose requestedAccessTokenVersion is null gets v1:
// https://learn.microsoft.com/entra/identity-platform/access-tokens#token-formats). Both are accepted, each only
// from its own issuer for the token's own tenant.
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { z } from "zod";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { issuerFor, jwksUrlFor, v1IssuerFor } from "../azure/endpoints";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_SCOPE_NAME = "access_as_user";

const identityClaims = z.object({
  tid: z.string().regex(GUID),
  oid: z.string().regex(GUID),
  name: z.string().optional(),
  preferred_username: z.string().optional(),
  upn: z.string().optional(),
  /** v1 tokens: the user's UPN (v1 has no preferred_username). */
  unique_name: z.string().optional(),
  ver: z.enum(["1.0", "2.0"]),
  roles: z.array(z.string()).optional(),
  scp: z.string().optional(),
  nonce: z.string().optional(),
  /** Entra directory role template ids (only when the app's groupMembershipClaims includes DirectoryRole). */
  wids: z.array(z.string()).optional(),
  /** Optional claim: 0 = member of the tenant, 1 = guest. */
  acct: z.coerce.number().optional(),
  /** The identity provider that authenticated the user: the issuer, unless the user comes from another tenant. */
  idp: z.string().optional(),
  /** Optional claim (and always when max_age was requested): when the user last signed in interactively. */
  auth_time: z.number().optional(),
  /** Conditional Access authentication contexts the token satisfies. */
  acrs: z.array(z.string()).optional(),
  /** The client application: `azp` in v2 tokens, `appid` in v1. */
  azp: z.string().optional(),
  appid: z.string().optional(),
  /** Optional claim: "app" for app-only tokens, "user" for delegated ones. */
  idtyp: z.string().optional(),
});

export type VerifiedIdentity = {
  tenantId: string;
  objectId: string;
  userName: string;
  displayName: string;
  roles: string[];
  /** `wids`: Entra built-in directory role template ids of the user in this tenant. */
  directoryRoleIds?: string[];
  /** A guest (B2B) in this tenant: `acct` 1, or an `idp` naming another tenant or a Microsoft account. */
  guest?: boolean;
  /** A personal Microsoft account (the consumer tenant). */
  personalAccount?: boolean;
  /** `auth_time`: the last interactive sign-in. */
  authTime?: Date | null;
  /** `acrs`: satisfied Conditional Access authentication contexts. */
  acrs?: string[];
};

/** The tenant of personal Microsoft accounts (learn.microsoft.com/entra/identity-platform/access-token-claims-reference). */
export const MICROSOFT_ACCOUNT_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";

/**
 * JWKS clients by tenant. The tenant comes from the unverified token, so the cache is bounded (least recently used
 * goes first): a flood of made-up tenant ids cannot grow it without limit.
 */
export const JWKS_CACHE_MAX_TENANTS = 200;
const jwksByTenant = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function jwksFor(tenantId: string) {
  let jwks = jwksByTenant.get(tenantId);
  if (jwks) {
    // Re-insert: Map keeps insertion order, so the first key is always the least recently used.
    jwksByTenant.delete(tenantId);
  } else {
    jwks = createRemoteJWKSet(jwksUrlFor(tenantId), { cooldownDuration: 30_000, cacheMaxAge: 3_600_000 });
  }
  jwksByTenant.set(tenantId, jwks);
  while (jwksByTenant.size > JWKS_CACHE_MAX_TENANTS) {
    const oldest = jwksByTenant.keys().next().value;
    if (oldest === undefined) break;
    jwksByTenant.delete(oldest);
  }
  return jwks;
}

/** Tenants whose key sets are cached now, least recently used first (for tests and diagnostics). */
export function cachedJwksTenants(): string[] {
  return [...jwksByTenant.keys()];
}

function rejected(reason: string): AppError {
  return new AppError("UNAUTHENTICATED", `Your sign-in could not be verified (${reason}).`, { fix: "Sign in again." });
}

/** Reads `tid` before verification only to choose which tenant's keys and issuer to verify against. */
function claimedTenant(token: string): string {
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw rejected("malformed token");
  }
  const tid = payload.tid;
  if (typeof tid !== "string" || !GUID.test(tid)) throw rejected("token has no tenant");
  return tid;
}

type TokenVersion = "1.0" | "2.0";

async function verify(token: string, audience: string[], versions: TokenVersion[]): Promise<z.infer<typeof identityClaims>> {
  const tid = claimedTenant(token);
  const issuers: Record<TokenVersion, string> = { "2.0": issuerFor(tid), "1.0": v1IssuerFor(tid) };
  try {
    const { payload } = await jwtVerify(token, jwksFor(tid), {
      issuer: versions.map((v) => issuers[v]),
      audience,
      algorithms: ["RS256"],
      clockTolerance: 60,
      requiredClaims: ["exp", "iat", "tid", "oid", "ver"],
    });
    const claims = identityClaims.safeParse(payload);
    if (!claims.success || claims.data.tid !== tid) throw rejected("unexpected claims");
    // The issuer says which format the token is in; a v2 body under the v1 issuer (or the reverse) is not Entra's.
    if (payload.iss !== issuers[claims.data.ver] || !versions.includes(claims.data.ver)) throw rejected("issuer does not match token version");
    return claims.data;
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw rejected("token expired");
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw rejected(`${error.claim} is wrong`);
    if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) throw rejected("bad signature");
    throw rejected("token not accepted");
  }
}

/**
 * Guests: `acct` is 1 when the tenant emits it; otherwise `idp` differs from the issuer's tenant (it names the home
 * tenant, or live.com / the consumer tenant for a Microsoft account invited as a guest).
 */
function isGuest(claims: z.infer<typeof identityClaims>): boolean {
  if (claims.acct === 1) return true;
  if (!claims.idp) return false;
  return !claims.idp.toLowerCase().includes(claims.tid.toLowerCase());
}

function toIdentity(claims: z.infer<typeof identityClaims>): VerifiedIdentity {
  const userName = claims.preferred_username ?? claims.upn ?? claims.unique_name ?? claims.oid;
  return {
    tenantId: claims.tid,
    objectId: claims.oid,
    userName,
    displayName: claims.name ?? userName,
    roles: claims.roles ?? [],
    directoryRoleIds: (claims.wids ?? []).map((id) => id.toLowerCase()),
    guest: isGuest(claims),
    personalAccount: claims.tid.toLowerCase() === MICROSOFT_ACCOUNT_TENANT_ID,
    authTime: claims.auth_time === undefined ? null : new Date(claims.auth_time * 1000),
    acrs: claims.acrs ?? [],
  };
}

/** An access token for the portal's API (`api://{client}/access_as_user`), v2 or v1. */
export async function verifyPortalAccessToken(token: string): Promise<VerifiedIdentity> {
  const clientId = serverEnv().PORTAL_CLIENT_ID;
  const claims = await verify(token, [`api://${clientId}`, clientId], ["2.0", "1.0"]);
  if (!(claims.scp ?? "").split(" ").includes(API_SCOPE_NAME)) throw rejected(`scope ${API_SCOPE_NAME} missing`);
  return toIdentity(claims);
}

/** An ID token from sign-in (the v2 endpoint issues v2 ID tokens only); its nonce must be the one this browser was given. */
export async function verifyIdToken(token: string, expectedNonce: string): Promise<VerifiedIdentity> {
  const claims = await verify(token, [serverEnv().PORTAL_CLIENT_ID], ["2.0"]);
  if (!claims.nonce || claims.nonce !== expectedNonce) throw rejected("nonce does not match this sign-in");
  return toIdentity(claims);
}

/** Who called the portal's API: a person (delegated, `scp`) or an application on its own (app-only, `roles`). */
export type ApiCaller =
  | { type: "delegated"; identity: VerifiedIdentity; clientAppId: string | null }
  | { type: "app"; identity: VerifiedIdentity; clientAppId: string };

/**
 * A bearer token for the portal's API (/api/v1), v2 or v1. A delegated token must carry our scope; an app-only token
 * has no `scp` and holds app roles in `roles` (client credentials:
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow). `idtyp`, an optional claim,
 * must agree when it is present.
 */
export async function verifyPortalApiToken(token: string): Promise<ApiCaller> {
  const clientId = serverEnv().PORTAL_CLIENT_ID;
  const claims = await verify(token, [`api://${clientId}`, clientId], ["2.0", "1.0"]);
  const clientAppId = claims.azp ?? claims.appid ?? null;
  if (claims.scp === undefined) {
    if (claims.idtyp !== undefined && claims.idtyp !== "app") throw rejected("a user token without scopes");
    if (!clientAppId) throw rejected("app-only token names no client application");
    return { type: "app", identity: toIdentity(claims), clientAppId };
  }
  if (claims.idtyp !== undefined && claims.idtyp !== "user") throw rejected("an app-only token with scopes");
  if (!claims.scp.split(" ").includes(API_SCOPE_NAME)) throw rejected(`scope ${API_SCOPE_NAME} missing`);
  return { type: "delegated", identity: toIdentity(claims), clientAppId };
}
