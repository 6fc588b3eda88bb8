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
