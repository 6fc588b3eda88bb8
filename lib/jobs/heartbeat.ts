// Whether the job engine runs: each worker process writes a heartbeat row every ~10 s; readiness
// (/api/health) and the support and status pages read the newest one. A dead worker stops beating.
import os from "node:os";
import type { Logger } from "pino";
import type { Db } from "../db/client";

export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Three missed beats: the engine counts as not running. */
export const HEARTBEAT_STALE_MS = 30_000;
/** Rows of workers that died without removing theirs are deleted after a day. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export type Heartbeat = { stop(): Promise<void> };

async function beat(db: Db, instanceId: string, startedAt: Date): Promise<void> {
  const now = new Date();
  await db.workerHeartbeat.upsert({
    where: { instanceId },
    create: { instanceId, hostname: os.hostname(), pid: process.pid, startedAt, lastSeenAt: now },
    update: { lastSeenAt: now },
  });
  await db.workerHeartbeat.deleteMany({ where: { lastSeenAt: { lt: new Date(now.getTime() - FORGET_AFTER_MS) } } });
}

/** Writes the first beat before returning, then one every `intervalMs`; stop() removes this worker's row. */
export async function startHeartbeat(db: Db, options: { instanceId: string; log: Logger; intervalMs?: number }): Promise<Heartbeat> {
  const startedAt = new Date();
  await beat(db, options.instanceId, startedAt);
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight) return; // a slow database: one beat at a time
    inFlight = beat(db, options.instanceId, startedAt)
      .catch((error: unknown) => options.log.warn({ err: error }, "worker heartbeat failed"))
      .finally(() => (inFlight = undefined));
  }, options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      // A beat still on its way would otherwise write the row again after it was removed.
      await inFlight;
      await db.workerHeartbeat.deleteMany({ where: { instanceId: options.instanceId } });
    },
  };
}

export type JobEngineStatus =
  | { running: true; lastSeenAt: Date; workers: number }
  | { running: false; lastSeenAt: Date | null; reason: string };

/** Running when some worker beat within the last `staleMs`. */
export async function jobEngineStatus(db: Db, now: Date = new Date(), staleMs: number = HEARTBEAT_STALE_MS): Promise<JobEngineStatus> {
  const since = new Date(now.getTime() - staleMs);
  // One statement (every dashboard and status page asks): the live workers and the newest beat, from one snapshot.
  const [row] = await db.$queryRaw<{ workers: number; newest: Date | null }[]>`
    SELECT count(*) FILTER (WHERE "lastSeenAt" >= ${since})::int AS workers, max("lastSeenAt") AS newest FROM "WorkerHeartbeat"`;
  return toJobEngineStatus(row?.workers ?? 0, row?.newest ?? null, staleMs);
}

/** The same status from heartbeat rows already read (the operator dashboard reads them with the fleet's state). */
export function jobEngineStatusOf(beats: readonly { lastSeenAt: Date }[], now: Date, staleMs: number = HEARTBEAT_STALE_MS): JobEngineStatus {
  const since = now.getTime() - staleMs;
  const newest = beats.reduce<Date | null>((found, beat) => (!found || beat.lastSeenAt > found ? beat.lastSeenAt : found), null);
  return toJobEngineStatus(beats.filter((beat) => beat.lastSeenAt.getTime() >= since).length, newest, staleMs);
}

function toJobEngineStatus(workers: number, newest: Date | null, staleMs: number): JobEngineStatus {
  if (newest && workers > 0) return { running: true, lastSeenAt: newest, workers };
  return {
    running: false,
    lastSeenAt: newest,
    reason: newest ? `no worker heartbeat for ${Math.round(staleMs / 1000)} s` : "no worker heartbeat yet: no job worker is running",
  };
}

export type Readiness =
  | { status: "ok" }
  | { status: "degraded"; reasons: string[] }
  | { status: "database unavailable" };

/** What /api/health reports: the database answers, and the job engine runs. */
export async function readiness(db: Db, now: Date = new Date()): Promise<Readiness> {
  let engine: JobEngineStatus;
  try {
    engine = await jobEngineStatus(db, now);
  } catch {
    return { status: "database unavailable" };
  }
  return engine.running ? { status: "ok" } : { status: "degraded", reasons: [engine.reason] };
}
