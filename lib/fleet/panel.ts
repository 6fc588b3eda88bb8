// The operator dashboard's fleet panel: workers and their last heartbeat, queue depth, the oldest queued job, health
// sweep lag, webhook failures and ARM write tokens left, from the same queries as the exported metrics.
import { db as appDb, type Db } from "../db/client";
import { serverEnv } from "../env";
import { HEARTBEAT_STALE_MS } from "../jobs/heartbeat";
import { SCHEDULED_TASK_QUEUES } from "../jobs/queue";
import { logger } from "../logger";
import { fleetSnapshot, type ArmBudgetLeft, type FleetSnapshot, type HealthSweepLag, type QueueDepth, type WebhookFailures, type WorkerBeat } from "./stats";

/** Past this the panel warns that health checks fall behind (a third of the default 15-minute cycle). */
export const SWEEP_LAG_WARNING_SECONDS = 5 * 60;

export type FleetPanel =
  | {
      ok: true;
      workers: (WorkerBeat & { alive: boolean })[];
      /** Queues with anything waiting, busiest first (a scheduled task's next-period message only when overdue). */
      queues: QueueDepth[];
      queuedNow: number;
      oldestQueued: { queue: string; seconds: number } | null;
      sweep: HealthSweepLag & { lastSweepSecondsAgo: number | null };
      webhooks: WebhookFailures;
      arm: { budgets: ArmBudgetLeft[]; bucketSize: number };
    }
  | { ok: false; message: string };

export async function fleetPanelForDashboard(database: Db = appDb(), now: Date = new Date()): Promise<FleetPanel> {
  try {
    const env = serverEnv();
    return toFleetPanel(await fleetSnapshot(database, { bucketSize: env.ARM_WRITE_BUCKET_SIZE, refillPerSecond: env.ARM_WRITE_REFILL_PER_SECOND }), env.ARM_WRITE_BUCKET_SIZE, now);
  } catch (error) {
    logger.warn({ err: error }, "dashboard could not read the fleet's state");
    return FLEET_PANEL_UNAVAILABLE;
  }
}

export const FLEET_PANEL_UNAVAILABLE: FleetPanel = { ok: false, message: "The fleet's state is unavailable: the database did not answer." };

export function toFleetPanel({ beats, depths, budgets, webhooks, sweep }: FleetSnapshot, bucketSize: number, now: Date): FleetPanel {
  const queues = depths.filter((q) => q.due > 0 || (q.delayed > 0 && !SCHEDULED_TASK_QUEUES.some((name) => name === q.queue))).sort((a, b) => b.due - a.due || b.delayed - a.delayed);
  const oldest = depths.reduce<{ queue: string; seconds: number } | null>((found, q) => (q.oldestDueSeconds !== null && (!found || q.oldestDueSeconds > found.seconds) ? { queue: q.queue, seconds: q.oldestDueSeconds } : found), null);
  return {
    ok: true,
    workers: beats.map((beat) => ({ ...beat, alive: now.getTime() - beat.lastSeenAt.getTime() <= HEARTBEAT_STALE_MS })),
    queues,
    queuedNow: depths.reduce((sum, q) => sum + q.due, 0),
    oldestQueued: oldest,
    sweep: { ...sweep, lastSweepSecondsAgo: sweep.lastSweepAt ? Math.max(0, (now.getTime() - sweep.lastSweepAt.getTime()) / 1000) : null },
    webhooks,
    arm: { budgets, bucketSize },
  };
}
