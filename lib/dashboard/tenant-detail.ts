// Everything the database knows about one customer tenant, and its full timeline, for the detail page.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { azurePortalUrl } from "./filters";

/** Most recent entries of each kind on the timeline; older history stays in the database. */
export const TIMELINE_LIMIT_PER_KIND = 200;

export type TimelineEntry =
  | { kind: "step"; at: Date; id: string; step: string; actorOid: string | null }
  | { kind: "job"; at: Date; id: string; jobKind: string; status: string; attempts: { attempt: number; startedAt: Date; finishedAt: Date | null; errorCode: string | null; errorMessage: string | null }[]; lastErrorCode: string | null; lastErrorMessage: string | null; requestedBy: string | null }
  | { kind: "health"; at: Date; id: string; fromState: string; toState: string; cause: string | null; detail: string | null }
  | { kind: "audit"; at: Date; id: string; action: string; actorType: string; actorId: string; actorRole: string | null; result: string; reason: string | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Accepts the row id or the customer's Entra tenant id (what operators usually have at hand). */
export async function getTenantDetail(db: Db, idOrTenantId: string) {
  if (!UUID.test(idOrTenantId)) throw new AppError("NOT_FOUND", "There is no customer tenant with this id.", { fix: "Check the id, or search for the tenant in the list." });
  const tenant = await db.customerTenant.findFirst({
    where: { OR: [{ id: idOrTenantId }, { tenantId: idOrTenantId }] },
    include: {
      onboarding: true,
      keyReferences: { orderBy: { createdAt: "desc" } },
      diskEncryptionSets: { orderBy: { createdAt: "asc" }, include: { keyReference: { select: { keyUrl: true, keyName: true, keyVersion: true, vaultUri: true } } } },
    },
  });
  if (!tenant) throw new AppError("NOT_FOUND", "There is no customer tenant with this id.", { fix: "Check the id, or search for the tenant in the list." });

  const [stepEvents, jobs, healthEvents, auditEvents] = await Promise.all([
    tenant.onboarding
      ? db.onboardingStepEvent.findMany({ where: { onboardingId: tenant.onboarding.id }, orderBy: { enteredAt: "desc" }, take: TIMELINE_LIMIT_PER_KIND })
      : Promise.resolve([]),
    db.job.findMany({ where: { customerTenantId: tenant.id }, orderBy: { createdAt: "desc" }, take: TIMELINE_LIMIT_PER_KIND, include: { attemptLog: { orderBy: { attempt: "asc" } } } }),
    db.healthEvent.findMany({ where: { customerTenantId: tenant.id }, orderBy: { occurredAt: "desc" }, take: TIMELINE_LIMIT_PER_KIND }),
    db.auditEvent.findMany({ where: { customerTenantId: tenant.id }, orderBy: { occurredAt: "desc" }, take: TIMELINE_LIMIT_PER_KIND }),
  ]);

  const timeline: TimelineEntry[] = [
    ...stepEvents.map((e) => ({ kind: "step" as const, at: e.enteredAt, id: e.id, step: e.step, actorOid: e.actorOid })),
    ...jobs.map((j) => ({
      kind: "job" as const,
      at: j.createdAt,
      id: j.id,
      jobKind: j.kind,
      status: j.status,
      attempts: j.attemptLog.map((a) => ({ attempt: a.attempt, startedAt: a.startedAt, finishedAt: a.finishedAt, errorCode: a.errorCode, errorMessage: a.errorMessage })),
      lastErrorCode: j.lastErrorCode,
      lastErrorMessage: j.lastErrorMessage,
      requestedBy: j.requestedBy,
    })),
    ...healthEvents.map((e) => ({ kind: "health" as const, at: e.occurredAt, id: e.id, fromState: e.fromState, toState: e.toState, cause: e.cause, detail: e.detail })),
    ...auditEvents.map((e) => ({ kind: "audit" as const, at: e.occurredAt, id: `audit-${e.seq}`, action: e.action, actorType: e.actorType, actorId: e.actorId, actorRole: e.actorRole, result: e.result, reason: e.reason })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime());

  return {
    tenant,
    diskEncryptionSets: tenant.diskEncryptionSets.map((d) => ({ ...d, portalUrl: d.armId ? azurePortalUrl(d.armId) : null })),
    timeline,
    truncated: [stepEvents, jobs, healthEvents, auditEvents].some((list) => list.length === TIMELINE_LIMIT_PER_KIND),
    canRetryProvisioning: tenant.diskEncryptionSets.some((d) => d.provisioningState === "FAILED"),
    canRunHealthCheck: tenant.diskEncryptionSets.some((d) => d.provisioningState === "SUCCEEDED" || d.provisioningState === "UPDATING"),
  };
}

export type TenantDetail = Awaited<ReturnType<typeof getTenantDetail>>;
