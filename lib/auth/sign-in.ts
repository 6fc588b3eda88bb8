// Turns a verified Entra sign-in into a server-side session, for the area the person came for.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { recordAudit } from "../audit/log";
import { customerRolesAtSignIn } from "./customer-roles";
import { staffRolesFromClaim } from "./roles";
import { createSession, destroySession, loadActiveSession } from "./session-store";
import { consumeSignInNonce } from "./sign-in-nonce";
import { verifyIdToken, verifyPortalAccessToken, type VerifiedIdentity } from "./token-validation";

export type SignInArea = "customer" | "staff";

/** Accounts the portal never lets in, whatever their roles: personal Microsoft accounts and guests. */
export function refuseAccountKind(identity: VerifiedIdentity): void {
  if (identity.personalAccount) {
    throw new AppError("FORBIDDEN", `${identity.userName} is a personal Microsoft account. The CMK Portal accepts only work accounts of an organization (Microsoft Entra ID).`, {
      fix: "Sign out, then sign in with your work account, the one your organization's Azure subscriptions belong to.",
    });
  }
  if (identity.guest) {
    throw new AppError("FORBIDDEN", `${identity.userName} is a guest in this organization, not a member of it. Guests cannot act for an organization in the CMK Portal.`, {
      fix: "Sign in with an account of the organization itself (not a guest account from another organization), or ask that organization's administrator to do this.",
    });
  }
}

export async function signIn(
  db: Db,
  input: { area: SignInArea; accessToken: string; idToken: string; expectedNonce: string | undefined; previousSessionId?: string; requestId?: string },
): Promise<{ sessionId: string; absoluteExpiresAt: Date }> {
  if (!input.expectedNonce) {
    throw new AppError("UNAUTHENTICATED", "This sign-in was not started here or took too long.", { fix: "Start the sign-in again." });
  }
  const fromIdToken = await verifyIdToken(input.idToken, input.expectedNonce);
  const identity = await verifyPortalAccessToken(input.accessToken);
  if (fromIdToken.tenantId !== identity.tenantId || fromIdToken.objectId !== identity.objectId) {
    throw new AppError("UNAUTHENTICATED", "The sign-in tokens belong to different accounts.", { fix: "Sign in again." });
  }
  // Single use: a replayed token pair finds its nonce consumed.
  await consumeSignInNonce(db, input.expectedNonce);
  // The ID token says when the user last signed in interactively (always with max_age; else when configured).
  const signedIn: VerifiedIdentity = { ...identity, authTime: fromIdToken.authTime ?? identity.authTime ?? null, guest: identity.guest || fromIdToken.guest };
  refuseAccountKind(signedIn);

  const providerTenantId = serverEnv().PROVIDER_TENANT_ID;
  const isProviderAccount = identity.tenantId === providerTenantId;
  const session = input.area === "staff" ? await signInStaff(db, signedIn, input, isProviderAccount) : await signInCustomer(db, signedIn, input, isProviderAccount);
  // Signing in again ends the session this browser had before.
  if (input.previousSessionId) await destroySession(db, input.previousSessionId);
  return session;
}

async function signInStaff(db: Db, identity: VerifiedIdentity, input: { accessToken: string; requestId?: string }, isProviderAccount: boolean) {
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

/** A customer session; the tenant row is not created here but when an admin starts onboarding (lib/consent). */
async function signInCustomer(db: Db, identity: VerifiedIdentity, input: { accessToken: string; requestId?: string }, isProviderAccount: boolean) {
  if (isProviderAccount) {
    throw new AppError("FORBIDDEN", "Provider staff accounts cannot onboard as a customer.", {
      fix: "Sign in with an account of the customer organization whose key you want to connect.",
    });
  }
  const decision = await customerRolesAtSignIn(db, identity);
  if (decision.via === "none") {
    throw new AppError("FORBIDDEN", `${identity.userName} has no role for the CMK Portal in your organization.`, {
      fix: decision.appRolesAssigned
        ? "Ask an administrator of your organization to assign you the role Customer.Admin (to set up and manage the key) or Customer.Reader (to see status and audit): Microsoft Entra admin center → Enterprise applications → CMK Portal → Users and groups. Then sign in again."
        : "Sign in as a Global Administrator, Privileged Role Administrator, Cloud Application Administrator or Application Administrator of your organization, or have one of them assign you the role Customer.Admin or Customer.Reader: Microsoft Entra admin center → Enterprise applications → CMK Portal → Users and groups.",
    });
  }
  const session = await createSession(db, { kind: "CUSTOMER", identity, roles: decision.roles, apiToken: input.accessToken });
  const tenant = await db.customerTenant.findUnique({ where: { tenantId: identity.tenantId }, select: { id: true } });
  await recordAudit(db, { actorType: "CUSTOMER", actorId: identity.objectId, actorTenantId: identity.tenantId, actorRole: decision.roles.join(","), action: "auth.sign_in", targetType: "customerTenant", targetId: identity.tenantId, customerTenantId: tenant?.id ?? null, result: "SUCCESS", requestId: input.requestId, details: { userName: identity.userName, roleSource: decision.via, ...(decision.via === "directory-role" && { directoryRole: decision.directoryRole }) } });
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

function toStaffRoleEnum(role: string): "OPERATOR" | "SUPPORT" | "SUPPORT_APPROVER" | "AUDIT_READER" {
  return role === "Operator" ? "OPERATOR" : role === "Support" ? "SUPPORT" : role === "AuditReader" ? "AUDIT_READER" : "SUPPORT_APPROVER";
}
