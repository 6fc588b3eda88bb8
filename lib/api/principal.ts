// Who is calling /api/v1: the bearer token, verified as sign-in verifies it, becomes the same SessionUser the server
// actions get, so the action registry's guards (kind, roles, tenant from the token, never from input) apply unchanged.
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { customerRolesAtSignIn } from "../auth/customer-roles";
import { CUSTOMER_AUTOMATION_ROLE, staffRolesFromClaim } from "../auth/roles";
import type { SessionUser } from "../auth/session-store";
import { refuseAccountKind } from "../auth/sign-in";
import { verifyPortalApiToken, type ApiCaller } from "../auth/token-validation";

export type ApiPrincipal = SessionUser & { callerType: ApiCaller["type"]; clientAppId: string | null };

/** The token from `Authorization: Bearer …`, or an UNAUTHENTICATED error that says what to send. */
export function bearerToken(request: Request): string {
  const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (!match?.[1]) {
    throw new AppError("UNAUTHENTICATED", "This API needs an Entra access token for the CMK Portal API.", {
      fix: `Send "Authorization: Bearer <token>" with a token for api://${serverEnv().PORTAL_CLIENT_ID}/.default (pipelines) or the scope access_as_user (people).`,
    });
  }
  return match[1];
}

/**
 * Delegated tokens: people, with the roles sign-in would give them (guests and personal accounts refused).
 * App-only tokens: a customer tenant's pipeline acts only with Customer.Automation, a provider-tenant app only with
 * staff app roles; an app is never a customer administrator or reader.
 */
export async function principalFor(db: Db, caller: ApiCaller): Promise<ApiPrincipal> {
  const { identity } = caller;
  const staff = identity.tenantId === serverEnv().PROVIDER_TENANT_ID;
  const base = {
    idHash: `api:${createHash("sha256").update(`${identity.tenantId}|${identity.objectId}`).digest("hex")}`,
    tenantId: identity.tenantId,
    userOid: identity.objectId,
    callerType: caller.type,
    clientAppId: caller.clientAppId,
  };
  if (caller.type === "app") {
    const roles = staff ? staffRolesFromClaim(identity.roles) : identity.roles.filter((r) => r === CUSTOMER_AUTOMATION_ROLE);
    const name = `app ${caller.clientAppId}`;
    return { ...base, kind: staff ? "STAFF" : "CUSTOMER", userName: name, displayName: `Automation (${name})`, roles, authTime: null, acrs: [] };
  }
  refuseAccountKind(identity);
  const roles = staff ? staffRolesFromClaim(identity.roles) : (await customerRolesAtSignIn(db, identity)).roles;
  return { ...base, kind: staff ? "STAFF" : "CUSTOMER", userName: identity.userName, displayName: identity.displayName, roles, authTime: identity.authTime ?? null, acrs: identity.acrs ?? [] };
}

export async function authenticateApiRequest(db: Db, request: Request): Promise<ApiPrincipal> {
  return principalFor(db, await verifyPortalApiToken(bearerToken(request)));
}
