import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { SessionUser } from "../auth/session-store";
import { startOnboarding } from "./start";

/**
 * The signed-in customer's own tenant and onboarding; looked up by the session's tenant id only. `starter`: the
 * wizard's entry pages pass the signed-in user, whose visit starts onboarding if they are a customer admin.
 */
export async function customerOnboarding(db: Db, tenantId: string, starter?: SessionUser) {
  if (starter && starter.tenantId === tenantId) {
    const exists = await db.customerTenant.count({ where: { tenantId } });
    if (exists === 0) await startOnboarding(db, starter);
  }
  const tenant = await db.customerTenant.findUnique({ where: { tenantId }, include: { onboarding: true } });
  if (!tenant) throw new AppError("NOT_FOUND", "Your organization has not started onboarding yet.", { fix: "Open /onboarding: a customer administrator starts it there." });
  const onboarding = tenant.onboarding ?? (await db.onboarding.create({ data: { customerTenantId: tenant.id } }));
  return { tenant, onboarding };
}

/** When onboarding was submitted and by whom (the name recorded with the step), or null if it was not. */
export async function submission(db: Db, customerTenantId: string): Promise<{ at: Date | null; by: string } | null> {
  const onboarding = await db.onboarding.findUnique({
    where: { customerTenantId },
    select: { step: true, submittedAt: true, stepEvents: { where: { step: "SUBMITTED" }, orderBy: { enteredAt: "desc" }, take: 1, select: { actorName: true } } },
  });
  if (onboarding?.step !== "SUBMITTED") return null;
  return { at: onboarding.submittedAt, by: onboarding.stepEvents[0]?.actorName ?? "another admin of your organization" };
}
