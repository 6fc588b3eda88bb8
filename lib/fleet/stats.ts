// What the fleet is doing, from the database alone: the one source of the exported metrics (lib/telemetry/
// fleet-metrics.ts) and of the operator dashboard's fleet panel. Every query reads only a small, indexed slice:
// queued Job rows (Job_status_kind_idx), pg-boss's queued messages (its partial index job_i5 on state < active, per
// queue partition), jobs finished in the latency window (Job_finishedAt_idx), the ARM budget rows (one per
// subscription and region), heartbeat rows (one per worker) and webhook deliveries not delivered (status index).
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { HEALTH_SCAN_QUEUE, QUEUE_SCHEMA, SCHEDULED_TASK_QUEUES, WEBHOOK_QUEUE } from "../jobs/queue";
import { HEALTH_SWEEP_PERIOD_MS, HEALTH_SWEEP_TASK } from "../jobs/schedules";

/** Prisma's DateTime columns are UTC timestamps without a zone: compare them with the database's UTC clock. */
const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

/** pg-boss queues that carry work of their own (Job kinds' queues only wake Job rows, counted from "Job"). */
export const MESSAGE_QUEUES: readonly string[] = [HEALTH_SCAN_QUEUE, WEBHOOK_QUEUE, ...SCHEDULED_TASK_QUEUES];

/** One queue: Job rows of a kind, or a pg-boss queue. `due` can run now; `delayed` wait for a retry or their slot. */
export type QueueDepth = { queue: string; due: number; delayed: number; oldestDueSeconds: number | null };

type QueueRow = { queue: string; due: number; delayed: number; oldest: number | null };

/** Job rows by kind and pg-boss messages by queue, in one statement (the parts have the same columns). */
const QUEUE_DEPTHS_SQL = Prisma.sql`
  SELECT kind::text AS queue,
    count(*) FILTER (WHERE "runAfter" IS NULL OR "runAfter" <= ${NOW_UTC})::int AS due,
    count(*) FILTER (WHERE "runAfter" > ${NOW_UTC})::int AS delayed,
    EXTRACT(EPOCH FROM (${NOW_UTC} - min(COALESCE("runAfter", "createdAt")) FILTER (WHERE "runAfter" IS NULL OR "runAfter" <= ${NOW_UTC})))::float8 AS oldest
  FROM "Job" WHERE status = 'QUEUED' GROUP BY kind
  UNION ALL
  SELECT name AS queue,
    count(*) FILTER (WHERE start_after <= now())::int AS due,
    count(*) FILTER (WHERE start_after > now())::int AS delayed,
    EXTRACT(EPOCH FROM (now() - min(start_after) FILTER (WHERE start_after <= now())))::float8 AS oldest
  FROM ${Prisma.raw(`"${QUEUE_SCHEMA}"`)}.job
  WHERE name = ANY(${MESSAGE_QUEUES}::text[]) AND state < 'active'
  GROUP BY name`;

function toQueueDepths(rows: QueueRow[]): QueueDepth[] {
  return rows
    .map((row) => ({ queue: row.queue, due: row.due, delayed: row.delayed, oldestDueSeconds: row.oldest === null ? null : Math.max(0, row.oldest) }))
    .sort((a, b) => a.queue.localeCompare(b.queue));
}

export async function queueDepths(db: Db): Promise<QueueDepth[]> {
  return toQueueDepths(await db.$queryRaw<QueueRow[]>(QUEUE_DEPTHS_SQL));
}

/** Time from queueing to the end of jobs that finished within the window, per kind (seconds). */
export type JobLatency = { kind: string; finished: number; p50Seconds: number; p95Seconds: number };

export const LATENCY_WINDOW_MINUTES = 15;

export async function jobLatencies(db: Db, windowMinutes: number = LATENCY_WINDOW_MINUTES): Promise<JobLatency[]> {
  const rows = await db.$queryRaw<{ kind: string; finished: number; p50: number; p95: number }[]>`
    SELECT kind::text AS kind, count(*)::int AS finished,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ("finishedAt" - "createdAt")))::float8 AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ("finishedAt" - "createdAt")))::float8 AS p95
    FROM "Job"
    WHERE "finishedAt" >= ${NOW_UTC} - make_interval(mins => ${windowMinutes}::int) AND status IN ('SUCCEEDED', 'FAILED')
    GROUP BY kind ORDER BY kind`;
  return rows.map((row) => ({ kind: row.kind, finished: row.finished, p50Seconds: row.p50, p95Seconds: row.p95 }));
}

/** The shared ARM write budget now: tokens after refill (negative: writes are waiting for tokens), and any 429 pause. */
export type ArmBudgetLeft = { subscriptionId: string; region: string; tokens: number; pausedForSeconds: number };

// The same refill formula as ArmWriteGate.reserve (lib/provisioning/write-gate.ts), read without taking a token.
const armBudgetSql = (limits: { bucketSize: number; refillPerSecond: number }) => Prisma.sql`
  SELECT "subscriptionId", region,
    LEAST(${limits.bucketSize}::float8, tokens + GREATEST(0, EXTRACT(EPOCH FROM (clock_timestamp() - "refilledAt")))::float8 * ${limits.refillPerSecond}::float8) AS tokens,
    GREATEST(0, COALESCE(EXTRACT(EPOCH FROM ("pausedUntil" - clock_timestamp())), 0))::float8 AS "pausedForSeconds"
  FROM "ArmWriteBudget"`;

export async function armWriteBudgetLeft(db: Db, limits: { bucketSize: number; refillPerSecond: number }): Promise<ArmBudgetLeft[]> {
  return db.$queryRaw<ArmBudgetLeft[]>`${armBudgetSql(limits)} ORDER BY "subscriptionId", region`;
}

/**
 * How far the health sweep is behind its schedule: the longest a due health check has waited past its slot, or the
 * time the sweep itself is overdue (its last run is older than its one-minute period), whichever is longer.
 */
export type HealthSweepLag = { lagSeconds: number; lastSweepAt: Date | null; dueChecks: number };

/** The last finished sweep (epoch milliseconds) and how far past its period it is. */
const LAST_SWEEP_SQL = Prisma.sql`
  SELECT (EXTRACT(EPOCH FROM max("finishedAt")) * 1000)::float8 AS at, EXTRACT(EPOCH FROM (${NOW_UTC} - max("finishedAt")))::float8 * 1000 - ${HEALTH_SWEEP_PERIOD_MS}::float8 AS overdue
  FROM "ScheduledTaskRun" WHERE task = ${HEALTH_SWEEP_TASK} AND "finishedAt" IS NOT NULL`;

type LastSweepRow = { at: number | null; overdue: number | null };

function toHealthSweepLag(queues: QueueDepth[], last: LastSweepRow | undefined): HealthSweepLag {
  const scans = queues.find((q) => q.queue === HEALTH_SCAN_QUEUE);
  const sweepOverdueSeconds = last?.overdue ? last.overdue / 1000 : 0;
  return { lagSeconds: Math.max(0, scans?.oldestDueSeconds ?? 0, sweepOverdueSeconds), lastSweepAt: last?.at == null ? null : new Date(last.at), dueChecks: scans?.due ?? 0 };
}

export async function healthSweepLag(db: Db, depths?: QueueDepth[]): Promise<HealthSweepLag> {
  const [queues, [last]] = await Promise.all([depths ?? queueDepths(db), db.$queryRaw<LastSweepRow[]>(LAST_SWEEP_SQL)]);
  return toHealthSweepLag(queues, last);
}

/** Webhooks that gave up (FAILED after every attempt) and those still retrying after a failed attempt. */
export type WebhookFailures = { failed: number; retrying: number };

/** Failed deliveries count while they are recent: an operator acts on today's failures, not on last month's. */
export const WEBHOOK_FAILURE_WINDOW_HOURS = 24;

/**
 * Deliveries that gave up within the last WEBHOOK_FAILURE_WINDOW_HOURS (by their last attempt), and those still
 * retrying after a failed attempt.
 */
const WEBHOOK_FAILURES_SQL = Prisma.sql`
  SELECT count(*) FILTER (WHERE d.status = 'FAILED' AND (
           SELECT max(a."at") FROM "WebhookAttempt" a WHERE a."deliveryId" = d.id
         ) > (now() AT TIME ZONE 'UTC') - ${WEBHOOK_FAILURE_WINDOW_HOURS} * interval '1 hour')::int AS failed,
         count(*) FILTER (WHERE d.status = 'PENDING' AND d.attempts > 0)::int AS retrying
  FROM "WebhookDelivery" d WHERE d.status IN ('FAILED', 'PENDING')`;

export async function webhookFailures(db: Db): Promise<WebhookFailures> {
  const [row] = await db.$queryRaw<WebhookFailures[]>(WEBHOOK_FAILURES_SQL);
  return row ?? { failed: 0, retrying: 0 };
}

export type WorkerBeat = { instanceId: string; hostname: string; pid: number; startedAt: Date; lastSeenAt: Date };

/** Heartbeat rows, times as epoch milliseconds (so that the same columns serve as JSON in fleetSnapshot). */
const HEARTBEATS_SQL = Prisma.sql`
  SELECT "instanceId", hostname, pid, (EXTRACT(EPOCH FROM "startedAt") * 1000)::float8 AS "startedAt", (EXTRACT(EPOCH FROM "lastSeenAt") * 1000)::float8 AS "lastSeenAt"
  FROM "WorkerHeartbeat"`;

type BeatRow = Omit<WorkerBeat, "startedAt" | "lastSeenAt"> & { startedAt: number; lastSeenAt: number };

function toBeats(rows: BeatRow[]): WorkerBeat[] {
  return rows.map((row) => ({ ...row, startedAt: new Date(row.startedAt), lastSeenAt: new Date(row.lastSeenAt) }));
}

/** Every worker with a heartbeat row (a stopped worker removes its own; a dead one's stays until it is a day old). */
export async function workerHeartbeats(db: Db): Promise<WorkerBeat[]> {
  return toBeats(await db.$queryRaw<BeatRow[]>`${HEARTBEATS_SQL} ORDER BY "startedAt", "instanceId"`);
}

export type FleetSnapshot = { beats: WorkerBeat[]; depths: QueueDepth[]; budgets: ArmBudgetLeft[]; webhooks: WebhookFailures; sweep: HealthSweepLag };

export type FleetSnapshotRow = { beats: BeatRow[]; depths: QueueRow[]; budgets: ArmBudgetLeft[]; webhooks: WebhookFailures | null; sweep: LastSweepRow | null };

/** The fleet snapshot's columns (each part as JSON), for a statement that reads them with others (lib/dashboard/snapshot.ts). */
export function fleetSnapshotColumns(limits: { bucketSize: number; refillPerSecond: number }): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(json_agg(x ORDER BY x."startedAt", x."instanceId"), '[]') FROM (${HEARTBEATS_SQL}) x) AS beats,
      (SELECT coalesce(json_agg(x), '[]') FROM (${QUEUE_DEPTHS_SQL}) x) AS depths,
      (SELECT coalesce(json_agg(x ORDER BY x."subscriptionId", x.region), '[]') FROM (${armBudgetSql(limits)}) x) AS budgets,
      (SELECT row_to_json(x) FROM (${WEBHOOK_FAILURES_SQL}) x) AS webhooks,
      (SELECT row_to_json(x) FROM (${LAST_SWEEP_SQL}) x) AS sweep`;
}

export function toFleetSnapshot(row: FleetSnapshotRow): FleetSnapshot {
  const depths = toQueueDepths(row.depths);
  return { beats: toBeats(row.beats), depths, budgets: row.budgets, webhooks: row.webhooks ?? { failed: 0, retrying: 0 }, sweep: toHealthSweepLag(depths, row.sweep ?? undefined) };
}

/**
 * The workers, queue depths, ARM budgets, webhook failures and sweep lag in one statement (each part as JSON): what
 * the dashboard's fleet panel shows, in one round trip instead of six.
 */
export async function fleetSnapshot(db: Db, limits: { bucketSize: number; refillPerSecond: number }): Promise<FleetSnapshot> {
  const [row] = await db.$queryRaw<FleetSnapshotRow[]>`SELECT ${fleetSnapshotColumns(limits)}`;
  return toFleetSnapshot(row!);
}
