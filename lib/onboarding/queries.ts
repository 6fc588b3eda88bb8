import type { Db } from "../db/client";
import { AppError } from "../errors";

/** The signed-in customer's own tenant and onboarding; looked up by the session's tenant id only. */
export async function customerOnboarding(db: Db, tenantId: string) {
  const tenant = await db.customerTenant.findUnique({ where: { tenantId }, include: { onboarding: true } });
  if (!tenant) throw new AppError("NOT_FOUND", "Your organization is not registered yet.", { fix: "Sign out and sign in again." });
  const onboarding = tenant.onboarding ?? (await db.onboarding.create({ data: { customerTenantId: tenant.id } }));
  return { tenant, onboarding };
}
