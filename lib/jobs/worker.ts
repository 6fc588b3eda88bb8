// The worker process's engine: pg-boss consumers for every job kind (bounded concurrency), the sweeper that
// recovers lost or orphaned jobs, the health scheduler and webhook delivery. scripts/worker.ts runs it;
// tests run it in-process.
import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import { createPrismaClient, type Db } from "../db/client";
import type { DbConnection } from "../db/entra-password";
import { logger as rootLogger } from "../logger";
import { scheduleAuditCheckpoint, writeAuditCheckpoint } from "../audit/checkpoint-job";
import type { AuditSigningKey } from "../audit/checkpoint-key";
import { deliverHealthNotification, type HealthNotification } from "../health/notify";
import { scheduleHealthChecks, type HealthScan } from "../health/scheduler";
import { checkTenantHealth } from "../health/service";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "../provisioning/azure-errors";
import { registeredHandlers } from "./handlers";
import { startHeartbeat } from "./heartbeat";
import { AUDIT_CHECKPOINT_QUEUE, HEALTH_SCAN_QUEUE, jobQueueName, openQueue, sendWake, WEBHOOK_QUEUE, type JobWake } from "./queue";
import { newWorkerId, runJob } from "./runner";
import { sweepJobs } from "./sweeper";

export type WorkerOptions = {
  databaseUrl: string;
  /** node-postgres settings used instead of databaseUrl (DATABASE_AUTH=entra: an Entra token as the password). */
  databaseConnection?: DbConnection;
  concurrency: number;
  leaseSeconds: number;
  healthIntervalMinutes: number;
  /** Run the health scheduler in this process (default true). */
  scheduleHealth?: boolean;
  policy?: BackoffPolicy;
  /** LRO and settle polling. */
  pollIntervalMs?: number;
  /** How often each consumer asks the queue for work. */
  queuePollingSeconds?: number;
  sweepIntervalMs?: number;
  healthTickMs?: number;
  /** How often the worker's heartbeat row is refreshed (default 10 s). */
  heartbeatIntervalMs?: number;
  /** Signed audit checkpoints (AUDIT_SIGNING_KEY); none without a key. */
  auditCheckpoint?: { key: AuditSigningKey; dir?: string; intervalMinutes: number; tickMs?: number };
  log?: Logger;
};

export type RunningWorker = { id: string; db: Db; boss: PgBoss; sweepNow(): Promise<number>; stop(): Promise<void> };

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const id = newWorkerId();
  const log = (options.log ?? rootLogger).child({ worker: id });
  const db = createPrismaClient(options.databaseConnection ?? options.databaseUrl);
  const consumers = registeredHandlers().reduce((n, h) => n + h.concurrency(options.concurrency), 0) + options.concurrency + 1;
  const boss = await openQueue({ connectionString: options.databaseUrl, connection: options.databaseConnection, poolSize: Math.min(20, consumers + 2) });
  const shutdown = new AbortController();
  const polling = { batchSize: 1, pollingIntervalSeconds: options.queuePollingSeconds ?? 2 };
  const runner = {
    workerId: id,
    leaseSeconds: options.leaseSeconds,
    policy: options.policy ?? DEFAULT_BACKOFF,
    pollIntervalMs: options.pollIntervalMs,
    log,
    shutdown: shutdown.signal,
    scheduleRetry: (job: { id: string; kind: Parameters<typeof jobQueueName>[0] }, delayMs: number) => sendWake(boss, job.kind, job.id, { startAfterSeconds: delayMs / 1000 }),
  };

  for (const handler of registeredHandlers()) {
    for (let i = 0; i < handler.concurrency(options.concurrency); i++) {
      await boss.work<JobWake>(jobQueueName(handler.kind), polling, async ([message]) => {
        if (message && !shutdown.signal.aborted) await runJob(db, message.data.jobId, runner);
      });
    }
  }
  for (let i = 0; i < options.concurrency; i++) {
    await boss.work<HealthScan>(HEALTH_SCAN_QUEUE, polling, async ([message]) => {
      if (message && !shutdown.signal.aborted) await checkTenantHealth(db, message.data.customerTenantId, { queue: boss });
    });
  }
  await boss.work<HealthNotification>(WEBHOOK_QUEUE, polling, async ([message]) => {
    if (message) await deliverHealthNotification(db, message.data);
  });
  const checkpoints = options.auditCheckpoint;
  let checkpointTimer: NodeJS.Timeout | undefined;
  if (checkpoints) {
    await boss.work(AUDIT_CHECKPOINT_QUEUE, polling, async ([message]) => {
      if (message) await writeAuditCheckpoint(db, { key: checkpoints.key, dir: checkpoints.dir, log });
    });
    const tick = () => scheduleAuditCheckpoint(boss, checkpoints.intervalMinutes).catch((error: unknown) => log.warn({ err: error }, "audit checkpoint scheduling failed"));
    checkpointTimer = setInterval(() => void tick(), checkpoints.tickMs ?? 60_000);
    void tick();
  } else {
    log.warn("AUDIT_SIGNING_KEY is not set: no signed audit checkpoints, so a rewrite of the audit log by the database owner would go unnoticed");
  }

  const sweepNow = () => sweepJobs(db, boss).catch((error: unknown) => {
    log.warn({ err: error }, "job sweep failed");
    return 0;
  });
  const sweepTimer = setInterval(() => void sweepNow(), options.sweepIntervalMs ?? Math.max(2000, (options.leaseSeconds * 1000) / 2));
  let healthTimer: NodeJS.Timeout | undefined;
  if (options.scheduleHealth !== false) {
    const tick = () => scheduleHealthChecks(db, boss, { intervalMinutes: options.healthIntervalMinutes, spreadSeconds: 60 })
      .catch((error: unknown) => log.warn({ err: error }, "health scheduling failed"));
    healthTimer = setInterval(() => void tick(), options.healthTickMs ?? 60_000);
    void tick();
  }
  void sweepNow();
  const heartbeat = await startHeartbeat(db, { instanceId: id, log, intervalMs: options.heartbeatIntervalMs });
  log.info({ concurrency: options.concurrency, leaseSeconds: options.leaseSeconds }, "worker started");

  let stopped: Promise<void> | undefined;
  return {
    id, db, boss, sweepNow,
    stop() {
      stopped ??= (async () => {
        await heartbeat.stop().catch((error: unknown) => log.warn({ err: error }, "could not remove the worker heartbeat"));
        clearInterval(sweepTimer);
        if (healthTimer) clearInterval(healthTimer);
        if (checkpointTimer) clearInterval(checkpointTimer);
        shutdown.abort(new Error("worker shutting down"));
        await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
        await db.$disconnect();
        log.info("worker stopped");
      })();
      return stopped;
    },
  };
}
