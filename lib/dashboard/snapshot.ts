// Everything on the operator dashboard above the tenant list, in one statement: the overview (counts, funnel, health
// changes), the region filter's choices, the stored provider readiness report and audit chain check, open
// offboardings, and the fleet's state (workers, queues, ARM budgets, webhook failures, sweep lag), from which the
// worker status is read too. Each part is
// one JSON column that its own module defines and reads (the same SQL as its single read), so a dashboard request
// makes one round trip for all of them instead of one each.
import { LAST_AUDIT_CHAIN_CHECK_COLUMN, toStoredAuditChainCheck } from "../audit/chain-status";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { serverEnv } from "../env";
import { FLEET_PANEL_UNAVAILABLE, toFleetPanel, type FleetPanel } from "../fleet/panel";
import { fleetSnapshotColumns, toFleetSnapshot, type FleetSnapshotRow } from "../fleet/stats";
import { jobEngineStatusOf } from "../jobs/heartbeat";
import { lastTaskRunColumn, PROVIDER_READINESS_TASK, toTaskRun } from "../jobs/schedules";
import { OPEN_OFFBOARDINGS_COLUMN, toOpenOffboardings, type OpenOffboarding } from "../offboarding/queries";
import { overviewColumns, REGIONS_COLUMN, toOverview, type Overview, type OverviewRows } from "./overview";
import { toDashboardReadiness, unavailable, type DashboardAuditChain, type DashboardReadiness } from "./readiness";
import { toWorkerStatusView, WORKER_STATUS_UNAVAILABLE, type WorkerStatusView } from "./worker-status";

export type DashboardSnapshot = {
  /** Null when the database did not answer. */
  overview: Overview | null;
  regions: string[];
  readiness: DashboardReadiness | null;
  auditChain: DashboardAuditChain | null;
  offboardings: OpenOffboarding[];
  fleet: FleetPanel;
  worker: WorkerStatusView;
};

type SnapshotRow = FleetSnapshotRow & OverviewRows & { regions: string[]; readiness: unknown; audit_chain: unknown; offboardings: unknown };

/** The statement (exported for EXPLAIN and tests). */
export function dashboardSnapshotSql(limits: { bucketSize: number; refillPerSecond: number }, now: Date): Prisma.Sql {
  return Prisma.sql`SELECT ${overviewColumns(now)}, ${REGIONS_COLUMN} AS regions, ${lastTaskRunColumn(PROVIDER_READINESS_TASK)} AS readiness,
    ${LAST_AUDIT_CHAIN_CHECK_COLUMN} AS audit_chain, ${OPEN_OFFBOARDINGS_COLUMN} AS offboardings, ${fleetSnapshotColumns(limits)}`;
}

/**
 * One read for the dashboard above the list. A database that does not answer gives each part its own "unavailable"
 * state (and no region choices), never an error page: the list below may still load.
 */
export async function dashboardSnapshot(db: Db, now: Date = new Date()): Promise<DashboardSnapshot> {
  const env = serverEnv();
  try {
    const [row] = await db.$queryRaw<SnapshotRow[]>(dashboardSnapshotSql({ bucketSize: env.ARM_WRITE_BUCKET_SIZE, refillPerSecond: env.ARM_WRITE_REFILL_PER_SECOND }, now));
    const fleet = toFleetSnapshot(row!);
    return {
      overview: toOverview(row!, now),
      regions: row!.regions,
      readiness: toDashboardReadiness(toTaskRun(row!.readiness)),
      auditChain: toStoredAuditChainCheck(row!.audit_chain),
      offboardings: toOpenOffboardings(row!.offboardings),
      fleet: toFleetPanel(fleet, env.ARM_WRITE_BUCKET_SIZE, now),
      worker: toWorkerStatusView(jobEngineStatusOf(fleet.beats, now), now),
    };
  } catch (error) {
    const missing = unavailable(error, "dashboard status");
    return { overview: null, regions: [], readiness: missing, auditChain: missing, offboardings: [], fleet: FLEET_PANEL_UNAVAILABLE, worker: WORKER_STATUS_UNAVAILABLE };
  }
}
