// The customer's own "use my newest key version": the same rotation as the support console, for the
// session's tenant only (the tenant comes from the session, never from the input).
import { z } from "zod";
import { defineCustomerAction } from "../auth/actions";
import { AppError } from "../errors";
import { requestKeySwitch, type RotationRequestResult } from "./rotation";
import { confirmRestoreByCustomer } from "./restore";
import { contactInput, setNotificationContact } from "../onboarding/notification-contact";

export const rotateToNewestVersionAction = defineCustomerAction("customer.rotate_to_newest_version", z.object({}), async (ctx) => {
  const tenant = await ctx.db.customerTenant.findUnique({ where: { tenantId: ctx.user.tenantId }, include: { diskEncryptionSets: { where: { provisioningState: { in: ["SUCCEEDED", "UPDATING", "FAILED"] } }, orderBy: { region: "asc" } } } });
  if (!tenant || tenant.diskEncryptionSets.length === 0) {
    throw new AppError("CONFLICT", "Your disk encryption is not set up yet.", { fix: "Finish onboarding first; rotation is possible once provisioning has succeeded." });
  }
  const results: (RotationRequestResult & { region: string })[] = [];
  for (const des of tenant.diskEncryptionSets) {
    results.push({ region: des.region, ...(await requestKeySwitch(ctx, { customerTenantId: tenant.id, diskEncryptionSetId: des.id }, "customer.rotate.request")) });
  }
  return { results };
});

/** The customer's admin is the second person of a restore support asked for (their own tenant only). */
export const confirmRestoreAction = defineCustomerAction("customer.confirm_restore", z.object({ restoreRequestId: z.string().uuid("Use the button on the status page.") }), (ctx, input) => confirmRestoreByCustomer(ctx, input));

/** Where the tenant's key-expiry reminders go: an email address and/or its own https webhook. */
export const setNotificationContactAction = defineCustomerAction("customer.set_notification_contact", contactInput, (ctx, input) => setNotificationContact(ctx, input));
