// The job worker as the operator dashboard shows it: "Worker last seen 12 s ago" from the newest heartbeat row
// (lib/jobs/heartbeat.ts), or a warning that jobs wait when no worker has beaten recently.
import { db as appDb, type Db } from "../db/client";
import { HEARTBEAT_STALE_MS, jobEngineStatus, type JobEngineStatus } from "../jobs/heartbeat";
import { logger } from "../logger";

export type WorkerStatusView = { running: boolean; text: string };

/** "12 s", "4 min", "3 h", "2 d": how long ago, in the largest whole unit. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

export async function workerStatusForDashboard(database: Db = appDb(), now: Date = new Date()): Promise<WorkerStatusView> {
  try {
    return toWorkerStatusView(await jobEngineStatus(database, now, HEARTBEAT_STALE_MS), now);
  } catch (error) {
    logger.warn({ err: error }, "dashboard could not read the worker heartbeat");
    return WORKER_STATUS_UNAVAILABLE;
  }
}

export const WORKER_STATUS_UNAVAILABLE: WorkerStatusView = { running: false, text: "Worker status unavailable: the database did not answer" };

export function toWorkerStatusView(status: JobEngineStatus, now: Date): WorkerStatusView {
  if (status.running) {
    const others = status.workers > 1 ? ` (${status.workers} workers)` : "";
    return { running: true, text: `Worker last seen ${formatAge(now.getTime() - status.lastSeenAt.getTime())} ago${others}` };
  }
  const last = status.lastSeenAt ? ` (last seen ${formatAge(now.getTime() - status.lastSeenAt.getTime())} ago)` : "";
  return { running: false, text: `No worker has been seen — jobs will wait${last}` };
}
