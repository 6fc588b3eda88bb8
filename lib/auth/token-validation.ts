// Validates Entra tokens ourselves: MSAL does not check signatures, issuers or audiences for us.
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { z } from "zod";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { issuerFor, jwksUrlFor } from "../azure/endpoints";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_SCOPE_NAME = "access_as_user";

const identityClaims = z.object({
  tid: z.string().regex(GUID),
  oid: z.string().regex(GUID),
  name: z.string().optional(),
  preferred_username: z.string().optional(),
  upn: z.string().optional(),
  roles: z.array(z.string()).optional(),
  scp: z.string().optional(),
  nonce: z.string().optional(),
});

export type VerifiedIdentity = {
  tenantId: string;
  objectId: string;
  userName: string;
  displayName: string;
  roles: string[];
};

const jwksByTenant = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function jwksFor(tenantId: string) {
  let jwks = jwksByTenant.get(tenantId);
  if (!jwks) {
    jwks = createRemoteJWKSet(jwksUrlFor(tenantId), { cooldownDuration: 30_000, cacheMaxAge: 3_600_000 });
    jwksByTenant.set(tenantId, jwks);
  }
  return jwks;
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

async function verify(token: string, audience: string[]): Promise<z.infer<typeof identityClaims>> {
  const tid = claimedTenant(token);
  try {
    const { payload } = await jwtVerify(token, jwksFor(tid), {
      issuer: issuerFor(tid),
      audience,
      algorithms: ["RS256"],
      clockTolerance: 60,
      requiredClaims: ["exp", "iat", "tid", "oid"],
    });
    const claims = identityClaims.safeParse(payload);
    if (!claims.success || claims.data.tid !== tid) throw rejected("unexpected claims");
    return claims.data;
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw rejected("token expired");
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw rejected(`${error.claim} is wrong`);
    if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) throw rejected("bad signature");
    throw rejected("token not accepted");
  }
}

function toIdentity(claims: z.infer<typeof identityClaims>): VerifiedIdentity {
  const userName = claims.preferred_username ?? claims.upn ?? claims.oid;
  return { tenantId: claims.tid, objectId: claims.oid, userName, displayName: claims.name ?? userName, roles: claims.roles ?? [] };
}

/** An access token for the portal's API (`api://{client}/access_as_user`). */
export async function verifyPortalAccessToken(token: string): Promise<VerifiedIdentity> {
  const clientId = serverEnv().PORTAL_CLIENT_ID;
  const claims = await verify(token, [`api://${clientId}`, clientId]);
  if (!(claims.scp ?? "").split(" ").includes(API_SCOPE_NAME)) throw rejected(`scope ${API_SCOPE_NAME} missing`);
  return toIdentity(claims);
}

/** An ID token from sign-in; its nonce must be the one this browser was given. */
export async function verifyIdToken(token: string, expectedNonce: string): Promise<VerifiedIdentity> {
  const claims = await verify(token, [serverEnv().PORTAL_CLIENT_ID]);
  if (!claims.nonce || claims.nonce !== expectedNonce) throw rejected("nonce does not match this sign-in");
  return toIdentity(claims);
}
