// Server actions of the consent step (definitions; the "use server" file only forwards to them).
import { z } from "zod";
import { defineCustomerAction } from "../auth/actions";
import { recordAudit } from "../audit/log";
import { confirmConsent, startAdminConsent } from "./service";

export const startConsentAction = defineCustomerAction("consent.start", z.object({}), async ({ db, user, requestId }) => {
  const url = await startAdminConsent(db, user);
  const tenant = await db.customerTenant.findUnique({ where: { tenantId: user.tenantId }, select: { id: true } });
  await recordAudit(db, { actorType: "CUSTOMER", actorId: user.userOid, actorTenantId: user.tenantId, actorRole: "CustomerAdmin", action: "consent.start", customerTenantId: tenant?.id, result: "SUCCESS", requestId });
  return { url };
});

export const checkConsentAction = defineCustomerAction("consent.check", z.object({}), async ({ db, user }) => {
  const { servicePrincipalObjectId } = await confirmConsent(db, user);
  return { servicePrincipalObjectId };
});
