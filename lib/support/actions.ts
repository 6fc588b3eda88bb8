// Server actions of the support console (definitions; the "use server" file beside the page forwards here).
// Support and SupportApprover may act; only SupportApprover may approve or reject a revocation.
import { z } from "zod";
import { defineStaffAction } from "../auth/actions";
import { requestAutoRotation, requestKeySwitch } from "./rotation";
import { approveRevocation, cancelRevocation, rejectRevocation, requestRevocation, retryRevocation } from "./revocation";
import { approveRestore, cancelRestore, requestRestore } from "./restore";

const SUPPORT = ["Support", "SupportApprover"] as const;
const APPROVER = ["SupportApprover"] as const;
const id = (what: string) => z.string().uuid(`Pick the ${what} from the page.`);
const reason = z.string().trim().min(10, "Give the reason in a sentence (at least 10 characters): it goes into the audit log and to the customer.").max(500, "Keep the reason under 500 characters.");

export const rotateKeyAction = defineStaffAction(
  "support.rotate_key",
  SUPPORT,
  z.object({
    customerTenantId: id("customer"),
    diskEncryptionSetId: id("disk encryption set"),
    keyUrl: z.string().trim().max(500, "A key URL is shorter than 500 characters.").optional(),
  }),
  (ctx, input) => requestKeySwitch(ctx, { ...input, keyUrl: input.keyUrl || undefined }),
  { stepUp: (input) => Boolean(input.keyUrl) },
);

export const setAutoRotationAction = defineStaffAction(
  "support.set_auto_rotation",
  SUPPORT,
  z.object({ customerTenantId: id("customer"), diskEncryptionSetId: id("disk encryption set"), enabled: z.boolean() }),
  (ctx, input) => requestAutoRotation(ctx, input),
);

export const requestRevocationAction = defineStaffAction(
  "support.request_revocation",
  SUPPORT,
  z.object({ customerTenantId: id("customer"), reason }),
  async (ctx, input) => {
    const request = await requestRevocation(ctx, input);
    return { requestId: request.id, expiresAt: request.expiresAt.toISOString() };
  },
  { stepUp: true },
);

export const approveRevocationAction = defineStaffAction(
  "support.approve_revocation",
  APPROVER,
  z.object({ requestId: id("revocation request"), note: z.string().trim().max(500).optional() }),
  async (ctx, input) => {
    const { jobId } = await approveRevocation(ctx, input);
    return { jobId };
  },
  { stepUp: true },
);

export const rejectRevocationAction = defineStaffAction(
  "support.reject_revocation",
  APPROVER,
  z.object({ requestId: id("revocation request"), note: z.string().trim().min(3, "Say why you reject it.").max(500) }),
  async (ctx, input) => {
    await rejectRevocation(ctx, input);
    return { status: "REJECTED" as const };
  },
);

export const cancelRevocationAction = defineStaffAction(
  "support.cancel_revocation",
  SUPPORT,
  z.object({ requestId: id("revocation request") }),
  async (ctx, input) => {
    await cancelRevocation(ctx, input);
    return { status: "CANCELLED" as const };
  },
);

/** A failed revocation runs again under its existing approval (any support person, audited). */
export const retryRevocationAction = defineStaffAction(
  "support.retry_revocation",
  SUPPORT,
  z.object({ requestId: id("revocation request") }),
  async (ctx, input) => {
    const { jobId } = await retryRevocation(ctx, input);
    return { jobId };
  },
);

/** Asks for restore; it runs once a second person confirms (approveRestoreAction, or the customer's admin). */
export const restoreAccessAction = defineStaffAction(
  "support.restore_access",
  SUPPORT,
  z.object({ customerTenantId: id("customer"), reason }),
  (ctx, input) => requestRestore(ctx, input),
  { stepUp: true },
);

export const approveRestoreAction = defineStaffAction(
  "support.approve_restore",
  APPROVER,
  z.object({ restoreRequestId: id("restore request") }),
  (ctx, input) => approveRestore(ctx, input),
  { stepUp: true },
);

export const cancelRestoreAction = defineStaffAction(
  "support.cancel_restore",
  SUPPORT,
  z.object({ restoreRequestId: id("restore request") }),
  async (ctx, input) => {
    await cancelRestore(ctx, input);
    return { status: "CANCELLED" as const };
  },
);
