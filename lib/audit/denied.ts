// Refused attempts (a missing role, a cross-tenant target) are audited, but a loop must not flood the log: per
// actor and action, the first DENIED_AUDIT_LIMIT refusals of a 10-minute window are stored as events, then one
// summary event says that more are being counted; the count itself stays in PostgreSQL (DeniedAttemptCounter),
// so the limit holds across instances.
import type { Db } from "../db/client";
import { logger } from "../logger";
import { recordAudit, type AuditInput } from "./log";

export const DENIED_AUDIT_WINDOW_MS = 10 * 60_000;
export const DENIED_AUDIT_LIMIT = 20;
export const DENIED_SUMMARY_ACTION = "audit.denied.rate_limited";

export type DeniedAuditOutcome = "recorded" | "summarised" | "counted";

/** Audits one refused attempt (result DENIED), rate-limited per actor and action. */
export async function recordDeniedAudit(db: Db, event: Omit<AuditInput, "result">, now = new Date()): Promise<DeniedAuditOutcome> {
  const windowStart = new Date(Math.floor(now.getTime() / DENIED_AUDIT_WINDOW_MS) * DENIED_AUDIT_WINDOW_MS);
  // One atomic INSERT … ON CONFLICT DO UPDATE: concurrent refusals each get their own count.
  const counter = await db.deniedAttemptCounter.upsert({
    where: { actorId_action_windowStart: { actorId: event.actorId, action: event.action, windowStart } },
    create: { actorId: event.actorId, action: event.action, windowStart, count: 1 },
    update: { count: { increment: 1 } },
  });
  if (counter.count === 1) await db.deniedAttemptCounter.deleteMany({ where: { actorId: event.actorId, action: event.action, windowStart: { lt: windowStart } } });
  if (counter.count <= DENIED_AUDIT_LIMIT) {
    await recordAudit(db, { ...event, result: "DENIED" });
    return "recorded";
  }
  if (counter.count === DENIED_AUDIT_LIMIT + 1) {
    logger.warn({ actorId: event.actorId, action: event.action, windowStart, limit: DENIED_AUDIT_LIMIT }, "denied attempts rate-limited in the audit log");
    await recordAudit(db, {
      ...event,
      action: DENIED_SUMMARY_ACTION,
      result: "DENIED",
      targetType: "auditAction",
      targetId: event.action,
      details: {
        deniedAction: event.action,
        limit: DENIED_AUDIT_LIMIT,
        windowStart: windowStart.toISOString(),
        windowEnd: new Date(windowStart.getTime() + DENIED_AUDIT_WINDOW_MS).toISOString(),
        note: `More than ${DENIED_AUDIT_LIMIT} refused attempts of ${event.action} by this actor in ${DENIED_AUDIT_WINDOW_MS / 60_000} minutes: further ones in this window are counted (DeniedAttemptCounter), not stored one by one.`,
      },
    });
    return "summarised";
  }
  return "counted";
}
