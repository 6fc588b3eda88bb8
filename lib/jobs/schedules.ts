// Recurring work of the fleet (health sweep, stale-lease sweep, session purge, revocation expiry, audit chain
// verification, ...), once per period for all workers together, not once per process.
//
// Each task has its own queue (`every_<task>`). A run sends the message for the task's next period first
// (starting at that period, with an id derived from task and period, so however many workers send it there
// is one), then claims its own period in PostgreSQL (ScheduledTaskRun, primary key task + period start): the
// insert that wins runs the task, every other message of that period is acknowledged without running
// anything. Sending first keeps the chain alive when a worker dies mid-run: another worker takes the next
// period. A pg-boss schedule (cron, every minute, kept by the workers' timekeepers) restarts a chain that
// broke, and every worker runs its tasks' current period at start-up, so a fresh fleet does not wait.
import { createHash } from "node:crypto";
import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { contextFromTraceparent, inSpan } from "../telemetry/spans";

export type ScheduledTaskContext = {
  db: Db;
  boss: PgBoss;
  log: Logger;
  /** Aborted when the worker shuts down. */
  signal: AbortSignal;
  workerId: string;
  periodStart: Date;
  periodEnd: Date;
};

export type ScheduledTask = {
  /** Lower-case words and dashes; also names its queue (`every_<name>`). */
  name: string;
  /** Runs once per period of this length (at least a second), aligned to the Unix epoch, so all workers agree on the periods. */
  periodMs: number;
  /** What it returns is stored with the run (e.g. the provider readiness report shown on the dashboard). */
  run(ctx: ScheduledTaskContext): Promise<Record<string, unknown> | void>;
};

/** The provider readiness check (lib/jobs/fleet-tasks.ts), whose stored report the operator dashboard shows. */
export const PROVIDER_READINESS_TASK = "provider-readiness";
/** The fleet's health sweep (lib/jobs/fleet-tasks.ts), once a minute; its lag is a fleet metric (lib/fleet/stats.ts). */
export const HEALTH_SWEEP_TASK = "health-sweep";
export const HEALTH_SWEEP_PERIOD_MS = 60_000;

export const MIN_PERIOD_MS = 1000;
/** Runs older than this are deleted when a task runs (the table stays small; the newest run is what is read). */
const KEEP_RUNS_MS = 60 * 60 * 1000;

export function scheduleQueueName(taskName: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(taskName)) throw new Error(`Scheduled task name "${taskName}" must be lower-case words joined by dashes.`);
  return `every_${taskName.replaceAll("-", "_")}`;
}

/** A UUID-shaped id derived from `text` (pg-boss message ids must be UUIDs): the same text gives the same id. */
export function derivedUuid(text: string): string {
  const hex = createHash("sha256").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The period that contains `now`, aligned to the epoch. */
export function periodOf(now: number, periodMs: number): { start: Date; end: Date } {
  const start = Math.floor(now / periodMs) * periodMs;
  return { start: new Date(start), end: new Date(start + periodMs) };
}

/** Claims one task's period for this worker; false when another run of the fleet has it already. */
export async function claimPeriod(db: Db, task: string, periodStart: Date, workerId: string): Promise<boolean> {
  const inserted = await db.$executeRaw`
    INSERT INTO "ScheduledTaskRun" ("task", "periodStart", "workerId") VALUES (${task}, ${periodStart}, ${workerId})
    ON CONFLICT DO NOTHING`;
  return inserted === 1;
}

export type TaskRunOutcome = { ran: true; periodStart: Date; result: Record<string, unknown> | undefined } | { ran: false; periodStart: Date };

/**
 * Runs the task for the period containing `now` unless the fleet already did. A failure releases the claim, so
 * the pg-boss retry of the same message (or the next message of the period) runs it again.
 */
export async function runScheduledTask(task: ScheduledTask, ctx: Omit<ScheduledTaskContext, "periodStart" | "periodEnd">, now: number = Date.now()): Promise<TaskRunOutcome> {
  const period = periodOf(now, task.periodMs);
  if (!(await claimPeriod(ctx.db, task.name, period.start, ctx.workerId))) return { ran: false, periodStart: period.start };
  const where = { task_periodStart: { task: task.name, periodStart: period.start } };
  let result: Record<string, unknown> | undefined;
  try {
    // A trace of its own per run, whatever started the worker.
    const attributes = { "cmk.task": task.name, "cmk.task.period_start": period.start.toISOString(), "cmk.worker.id": ctx.workerId };
    result = (await inSpan(`task ${task.name}`, { parent: contextFromTraceparent(null), attributes }, () => task.run({ ...ctx, periodStart: period.start, periodEnd: period.end }))) ?? undefined;
  } catch (error) {
    await ctx.db.scheduledTaskRun.delete({ where }).catch(() => undefined);
    throw error;
  }
  await ctx.db.scheduledTaskRun.update({ where, data: { finishedAt: new Date(), ...(result && { result: result as Prisma.InputJsonValue }) } });
  await ctx.db.scheduledTaskRun.deleteMany({ where: { task: task.name, periodStart: { lt: new Date(now - Math.max(KEEP_RUNS_MS, 3 * task.periodMs)) } } });
  ctx.log.debug({ task: task.name, periodStart: period.start.toISOString(), ...(result && { result }) }, "scheduled task ran");
  return { ran: true, periodStart: period.start, result };
}

export type TaskRun = { periodStart: Date; finishedAt: Date; result: unknown };

/**
 * The newest finished run of a task as one JSON value (times as epoch milliseconds), for a statement that reads it
 * with other parts (lib/dashboard/snapshot.ts); toTaskRun reads the value.
 */
export function lastTaskRunColumn(task: string): Prisma.Sql {
  return Prisma.sql`(SELECT json_build_object('periodStart', (EXTRACT(EPOCH FROM "periodStart") * 1000)::float8, 'finishedAt', (EXTRACT(EPOCH FROM "finishedAt") * 1000)::float8, 'result', result)
    FROM "ScheduledTaskRun" WHERE task = ${task} AND "finishedAt" IS NOT NULL ORDER BY "periodStart" DESC LIMIT 1)`;
}

export function toTaskRun(value: unknown): TaskRun | null {
  if (!value) return null;
  const row = value as { periodStart: number; finishedAt: number; result: unknown };
  return { periodStart: new Date(row.periodStart), finishedAt: new Date(row.finishedAt), result: row.result };
}

/** The newest finished run of a task (what dashboards show), or null before its first run. */
export async function lastTaskRun(db: Db, task: string): Promise<TaskRun | null> {
  const [row] = await db.$queryRaw<{ run: unknown }[]>`SELECT ${lastTaskRunColumn(task)} AS run`;
  return toTaskRun(row?.run);
}

/** Every minute, for the whole fleet (pg-boss deduplicates the sends of all workers' timekeepers). */
export const EVERY_MINUTE = "* * * * *";

type ChainMessage = { periodStart?: string };

/**
 * One delivery of a task's message (chained, cron or start-up): queue the next period's message, then run this
 * period unless the fleet already did. `periodStart` is the period the message was sent for: a worker whose clock
 * runs a little behind the database's still runs that period, not the one before.
 */
export async function runAndChain(task: ScheduledTask, ctx: Omit<ScheduledTaskContext, "periodStart" | "periodEnd">, message: ChainMessage = {}): Promise<TaskRunOutcome> {
  const now = Math.max(Date.now(), message.periodStart ? Date.parse(message.periodStart) : 0);
  const next = periodOf(now, task.periodMs).end;
  await ctx.boss.send(scheduleQueueName(task.name), { periodStart: next.toISOString() } satisfies ChainMessage, { id: derivedUuid(`${task.name}@${next.toISOString()}`), startAfter: next });
  return runScheduledTask(task, ctx, now);
}

/**
 * Registers the tasks' schedules and consumers in this worker, and runs each task's current period unless the
 * fleet has. The queues themselves are created with the queue schema (openQueue), by the schema owner.
 */
export async function startScheduledTasks(boss: PgBoss, tasks: readonly ScheduledTask[], ctx: Omit<ScheduledTaskContext, "periodStart" | "periodEnd">): Promise<{ startupRuns: Promise<void> }> {
  for (const task of tasks) {
    if (task.periodMs < MIN_PERIOD_MS) throw new Error(`Scheduled task ${task.name}: the period must be at least a second.`);
    const queue = scheduleQueueName(task.name);
    await boss.schedule(queue, EVERY_MINUTE, {}, { singletonKey: queue, singletonSeconds: 60 });
    const pollingIntervalSeconds = Math.min(5, Math.max(0.5, task.periodMs / 4000));
    await boss.work<ChainMessage>(queue, { batchSize: 1, pollingIntervalSeconds }, async ([message]) => {
      if (!ctx.signal.aborted) await runAndChain(task, ctx, message?.data);
    });
  }
  const startupRuns = Promise.all(tasks.map((task) => runAndChain(task, ctx)
    .catch((error: unknown) => ctx.log.warn({ err: error, task: task.name }, "scheduled task failed at start-up")))).then(() => undefined);
  return { startupRuns };
}
