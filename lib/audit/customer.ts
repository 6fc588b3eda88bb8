// An audit event for something a customer's person or pipeline did in its own tenant: actor and tenant from the
// session or token, the person's names in the details (actor-names.ts).
import type { Db } from "../db/client";
import type { SessionUser } from "../auth/session-store";
import { actorNames } from "./actor-names";
import { recordAudit } from "./log";

export type CustomerAuditInput = {
  customerTenantId: string;
  action: string;
  result: "SUCCESS" | "FAILURE";
  details?: Record<string, unknown>;
  target?: { type: string; id: string };
  /** The role the event names; the wizard's events say CustomerAdmin, the API's the token's roles. */
  actorRole: string | null;
};

export async function recordCustomerAudit(ctx: { db: Db; user: SessionUser; requestId?: string }, input: CustomerAuditInput): Promise<void> {
  await recordAudit(ctx.db, {
    actorType: "CUSTOMER",
    actorId: ctx.user.userOid,
    actorTenantId: ctx.user.tenantId,
    actorRole: input.actorRole,
    action: input.action,
    targetType: input.target?.type,
    targetId: input.target?.id,
    customerTenantId: input.customerTenantId,
    result: input.result,
    requestId: ctx.requestId,
    details: { ...input.details, ...actorNames(ctx.user) },
  });
}
