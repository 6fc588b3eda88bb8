// Who acts in the support console, and how each of their steps is written to the audit log.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { recordAudit } from "../audit/log";
import type { SessionUser } from "../auth/session-store";
import type { AuditResult } from "../db/generated/prisma/enums";

export type SupportCtx = { db: Db; user: SessionUser; requestId?: string };

type AuditExtra = { targetType?: string; targetId?: string | null; reason?: string | null; requestId?: string | null; details?: Record<string, unknown> | null };
type Actor = { actorType: "STAFF" | "CUSTOMER" | "SYSTEM"; actorId: string; actorTenantId?: string | null; actorRole?: string | null };

async function auditTenantEvent(db: Db, actor: Actor, customerTenantId: string, action: string, result: AuditResult, extra: AuditExtra): Promise<void> {
  await recordAudit(db, {
    ...actor,
    action,
    targetType: extra.targetType ?? "customerTenant",
    targetId: extra.targetId ?? customerTenantId,
    customerTenantId,
    reason: extra.reason ?? null,
    result,
    requestId: extra.requestId ?? null,
    details: extra.details ?? null,
  });
}

/** One audit event for a person's action on a customer tenant (staff or the customer's own admin). */
export async function auditAction(ctx: SupportCtx, customerTenantId: string, action: string, result: AuditResult, extra: Omit<AuditExtra, "requestId"> = {}): Promise<void> {
  const actor: Actor = { actorType: ctx.user.kind === "STAFF" ? "STAFF" : "CUSTOMER", actorId: ctx.user.userOid, actorTenantId: ctx.user.tenantId, actorRole: ctx.user.roles.join(",") || null };
  await auditTenantEvent(ctx.db, actor, customerTenantId, action, result, { ...extra, requestId: ctx.requestId, details: { userName: ctx.user.userName, ...extra.details } });
}

/** What the job engine did on its own behalf (the person who asked is in the details). */
export async function auditSystem(db: Db, customerTenantId: string, action: string, result: AuditResult, extra: AuditExtra = {}): Promise<void> {
  await auditTenantEvent(db, { actorType: "SYSTEM", actorId: "job-worker" }, customerTenantId, action, result, extra);
}

/** A customer tenant by its portal id (staff pick customers from lists that carry this id). */
export async function customerTenantById(db: Db, id: string) {
  const tenant = await db.customerTenant.findUnique({ where: { id } });
  if (!tenant) throw new AppError("NOT_FOUND", "This customer tenant does not exist.", { fix: "Pick the customer from the support console's list." });
  return tenant;
}
