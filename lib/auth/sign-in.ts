// Turns a verified Entra sign-in into a server-side session, for the area the person came for.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { recordAudit } from "../audit/log";
import { CUSTOMER_ADMIN_ROLE, staffRolesFromClaim } from "./roles";
import { createSession, destroySession, loadActiveSession } from "./session-store";
import { verifyIdToken, verifyPortalAccessToken } from "./token-validation";

export type SignInArea = "customer" | "staff";

export async function signIn(
  db: Db,
  input: { area: SignInArea; accessToken: string; idToken: string; expectedNonce: string | undefined; requestId?: string },
): Promise<{ sessionId: string; absoluteExpiresAt: Date }> {
  if (!input.expectedNonce) {
    throw new AppError("UNAUTHENTICATED", "This sign-in was not started here or took too long.", { fix: "Start the sign-in again." });
  }
  const fromIdToken = await verifyIdToken(input.idToken, input.expectedNonce);
  const identity = await verifyPortalAccessToken(input.accessToken);
  if (fromIdToken.tenantId !== identity.tenantId || fromIdToken.objectId !== identity.objectId) {
    throw new AppError("UNAUTHENTICATED", "The sign-in tokens belong to different accounts.", { fix: "Sign in again." });
  }
  const providerTenantId = serverEnv().PROVIDER_TENANT_ID;
  const isProviderAccount = identity.tenantId === providerTenantId;

  if (input.area === "staff") {
    if (!isProviderAccount) {
      throw new AppError("FORBIDDEN", "This area is for the provider's staff; your account belongs to another organization.", {
        fix: "Customers start at /onboarding. Staff: sign in with your provider work account.",
      });
    }
    const roles = staffRolesFromClaim(identity.roles);
    await db.staffUser.upsert({
      where: { objectId: identity.objectId },
      create: { objectId: identity.objectId, email: identity.userName, displayName: identity.displayName, lastSeenRoles: roles.map(toStaffRoleEnum), lastSignInAt: new Date() },
      update: { email: identity.userName, displayName: identity.displayName, lastSeenRoles: roles.map(toStaffRoleEnum), lastSignInAt: new Date() },
    });
    const session = await createSession(db, { kind: "STAFF", identity, roles, apiToken: input.accessToken });
    await recordAudit(db, { actorType: "STAFF", actorId: identity.objectId, actorTenantId: identity.tenantId, actorRole: roles.join(",") || null, action: "auth.sign_in", targetType: "area", targetId: "staff", result: "SUCCESS", requestId: input.requestId, details: { userName: identity.userName } });
    return session;
  }

  if (isProviderAccount) {
    throw new AppError("FORBIDDEN", "Provider staff accounts cannot onboard as a customer.", {
      fix: "Sign in with an account of the customer organization whose key you want to connect.",
    });
  }
  const tenant = await db.customerTenant.upsert({
    where: { tenantId: identity.tenantId },
    create: { tenantId: identity.tenantId, displayName: domainOf(identity.userName) ?? identity.tenantId, primaryDomain: domainOf(identity.userName), onboarding: { create: { stepEvents: { create: { step: "CONSENT", actorOid: identity.objectId } } } } },
    update: {},
  });
  const session = await createSession(db, { kind: "CUSTOMER", identity, roles: [CUSTOMER_ADMIN_ROLE], apiToken: input.accessToken });
  await recordAudit(db, { actorType: "CUSTOMER", actorId: identity.objectId, actorTenantId: identity.tenantId, actorRole: CUSTOMER_ADMIN_ROLE, action: "auth.sign_in", targetType: "customerTenant", targetId: tenant.tenantId, customerTenantId: tenant.id, result: "SUCCESS", requestId: input.requestId, details: { userName: identity.userName } });
  return session;
}

export async function signOut(db: Db, sessionId: string | undefined): Promise<void> {
  if (!sessionId) return;
  const user = await loadActiveSession(db, sessionId);
  await destroySession(db, sessionId);
  if (user) {
    const tenant = user.kind === "CUSTOMER" ? await db.customerTenant.findUnique({ where: { tenantId: user.tenantId }, select: { id: true } }) : null;
    await recordAudit(db, { actorType: user.kind === "STAFF" ? "STAFF" : "CUSTOMER", actorId: user.userOid, actorTenantId: user.tenantId, actorRole: user.roles.join(",") || null, action: "auth.sign_out", customerTenantId: tenant?.id ?? null, result: "SUCCESS" });
  }
}

function domainOf(userName: string): string | null {
  const at = userName.lastIndexOf("@");
  return at > 0 ? userName.slice(at + 1).toLowerCase() : null;
}

function toStaffRoleEnum(role: string): "OPERATOR" | "SUPPORT" | "SUPPORT_APPROVER" | "AUDIT_READER" {
  return role === "Operator" ? "OPERATOR" : role === "Support" ? "SUPPORT" : role === "AuditReader" ? "AUDIT_READER" : "SUPPORT_APPROVER";
}
