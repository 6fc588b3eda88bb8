// Onboarding starts when a customer administrator opens the wizard or starts consent: only then does the
// portal record the organization (never at sign-in, and never for a Customer.Reader).
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { recordAudit } from "../audit/log";
import { CUSTOMER_ADMIN_ROLE, CUSTOMER_AUTOMATION_ROLE } from "../auth/roles";
import type { SessionUser } from "../auth/session-store";
import { actorNames, recordedName } from "../audit/actor-names";

function domainOf(userName: string): string | null {
  const at = userName.lastIndexOf("@");
  return at > 0 ? userName.slice(at + 1).toLowerCase() : null;
}

/** The customer tenant row of the signed-in admin's organization, created (with its onboarding) on first start. */
export async function startOnboarding(db: Db, user: SessionUser): Promise<{ id: string }> {
  // A customer's pipeline (app-only, /api/v1) may start it too: its tenant may have consented without the wizard.
  if (user.kind !== "CUSTOMER" || !(user.roles.includes(CUSTOMER_ADMIN_ROLE) || user.roles.includes(CUSTOMER_AUTOMATION_ROLE))) {
    throw new AppError("FORBIDDEN", "Your organization has not started onboarding yet, and only a customer administrator can start it.", {
      fix: "Ask someone with the role Customer.Admin (or a Global Administrator) of your organization to sign in and start onboarding.",
    });
  }
  const existing = await db.customerTenant.findUnique({ where: { tenantId: user.tenantId }, select: { id: true } });
  if (existing) return existing;
  const domain = domainOf(user.userName);
  const created = await db.customerTenant.upsert({
    where: { tenantId: user.tenantId },
    create: { tenantId: user.tenantId, displayName: domain ?? user.tenantId, primaryDomain: domain, onboarding: { create: { stepEvents: { create: { step: "CONSENT", actorOid: user.userOid, actorName: recordedName(user) } } } } },
    update: {},
    select: { id: true },
  });
  await recordAudit(db, { actorType: "CUSTOMER", actorId: user.userOid, actorTenantId: user.tenantId, actorRole: user.roles.join(","), action: "onboarding.start", targetType: "customerTenant", targetId: user.tenantId, customerTenantId: created.id, result: "SUCCESS", details: actorNames(user) });
  return created;
}
