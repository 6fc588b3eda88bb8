// Slow checks shown on dashboards (provider readiness calls Azure; the audit chain walks every event) are run by
// the fleet on a schedule (lib/jobs/fleet-tasks.ts) and stored in PostgreSQL: a page reads the stored result and
// its time, and no web instance runs a check of its own.
import { lastAuditChainCheck, type StoredAuditChainCheck } from "../audit/chain-status";
import { db as appDb, type Db } from "../db/client";
import { lastTaskRun, PROVIDER_READINESS_TASK, type TaskRun } from "../jobs/schedules";
import { logger } from "../logger";
import type { ReadinessItem, ReadinessReport } from "../provisioning/readiness";

export type Unavailable = { ok: false; unavailable: true; checkedAt: Date };
export type DashboardReadiness = ReadinessReport | Unavailable;
export type DashboardAuditChain = StoredAuditChainCheck | Unavailable;

/** The report a readiness task run stored as its result. */
export function toDashboardReadiness(run: TaskRun | null): ReadinessReport | null {
  if (!run) return null;
  const stored = run.result as { ok: boolean; checkedAt: string; items: ReadinessItem[] };
  return { ok: stored.ok, checkedAt: new Date(stored.checkedAt), items: stored.items };
}

export function unavailable(error: unknown, check: string): Unavailable {
  logger.warn({ err: error, check }, "dashboard could not read the stored check");
  return { ok: false, unavailable: true, checkedAt: new Date() };
}

/** The fleet's last provider readiness report; null before the first one (no worker has run yet). */
export async function providerReadinessForDashboard(database: Db = appDb()): Promise<DashboardReadiness | null> {
  try {
    return toDashboardReadiness(await lastTaskRun(database, PROVIDER_READINESS_TASK));
  } catch (error) {
    return unavailable(error, "provider readiness");
  }
}

/** The fleet's last walk of the audit chain; null before the first one. */
export async function auditChainForDashboard(database: Db = appDb()): Promise<DashboardAuditChain | null> {
  try {
    return await lastAuditChainCheck(database);
  } catch (error) {
    return unavailable(error, "audit chain");
  }
}
