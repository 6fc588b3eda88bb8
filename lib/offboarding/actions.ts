// Server actions of offboarding (definitions; the "use server" files beside the pages only forward here).
// The customer's admin asks, cancels and cleans up in their own tenant (tenant from the session); a SupportApprover
// approves or rejects (like revocation); a second staff person, not the approver, starts the provider side.
import { z } from "zod";
import { defineCustomerAction, defineStaffAction } from "../auth/actions";
import { checkCleanupForCustomer, cleanupForCustomer } from "./cleanup";
import { approveOffboarding, cancelOffboardingByCustomer, executeOffboarding, rejectOffboarding, requestOffboarding } from "./service";

const offboardingId = z.object({ offboardingId: z.string().uuid("Use the button on the page.") });

export const requestOffboardingAction = defineCustomerAction(
  "customer.offboarding.request",
  z.object({ reason: z.string().trim().max(500, "Keep the reason under 500 characters.").optional() }),
  (ctx, input) => requestOffboarding(ctx, { reason: input.reason || undefined }),
);

export const cancelOffboardingAction = defineCustomerAction("customer.offboarding.cancel", offboardingId, (ctx, input) => cancelOffboardingByCustomer(ctx, input));

export const cleanupOffboardingAction = defineCustomerAction("customer.offboarding.cleanup", offboardingId, (ctx, input) => cleanupForCustomer(ctx, input));

export const checkOffboardingCleanupAction = defineCustomerAction("customer.offboarding.check", offboardingId, (ctx, input) => checkCleanupForCustomer(ctx, input));

export const approveOffboardingAction = defineStaffAction("support.offboarding.approve", ["SupportApprover"], offboardingId, (ctx, input) => approveOffboarding(ctx, input), { stepUp: true });

export const rejectOffboardingAction = defineStaffAction(
  "support.offboarding.reject",
  ["SupportApprover"],
  offboardingId.extend({ note: z.string().trim().min(3, "Say why you decline it: the customer sees it.").max(500) }),
  (ctx, input) => rejectOffboarding(ctx, input),
);

export const executeOffboardingAction = defineStaffAction("support.offboarding.execute", ["Operator", "Support", "SupportApprover"], offboardingId, (ctx, input) => executeOffboarding(ctx, input), { stepUp: true });
