// The worker process's engine: pg-boss consumers for every job kind (bounded concurrency), health checks and
// webhook delivery, and the fleet's scheduled tasks (stale-lease sweep, health sweep, session purge, revocation
// expiry, audit chain verification and checkpoints; lib/jobs/fleet-tasks.ts), each once per period for all
// workers together. scripts/worker.ts runs it; tests run it in-process.
import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import { createPrismaClient, type Db } from "../db/client";
import type { DbConnection } from "../db/entra-password";
import { logger as rootLogger } from "../logger";
import type { AuditSigningKey } from "../audit/checkpoint-key";
import type { HealthScan } from "../health/scheduler";
import { checkTenantHealth } from "../health/service";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "../provisioning/azure-errors";
import { registeredHandlers } from "./handlers";
import { startHeartbeat } from "./heartbeat";
import { fleetTasks } from "./fleet-tasks";
import { consumeQueue } from "./consumer";
import { HEALTH_SCAN_QUEUE, jobQueueName, openQueue, sendWake, WEBHOOK_QUEUE, type JobWake } from "./queue";
import { releaseHeldJobs } from "./release-held";
import { newWorkerId, runJob } from "./runner";
import { startScheduledTasks } from "./schedules";
import { sweepJobs } from "./sweeper";
import { deliverWebhook } from "../webhooks/delivery";
import { registerFleetMetrics } from "../telemetry/fleet-metrics";
import { contextFromTraceparent, inSpan, SpanKind } from "../telemetry/spans";
import type { WebhookWake } from "../webhooks/outbox";

export type WorkerOptions = {
  databaseUrl: string;
  /** node-postgres settings used instead of databaseUrl (DATABASE_AUTH=entra: an Entra token as the password). */
  databaseConnection?: DbConnection;
  concurrency: number;
  leaseSeconds: number;
  healthIntervalMinutes: number;
  /** Include the fleet's health sweep among this worker's scheduled tasks (default true). */
  scheduleHealth?: boolean;
  /** Include the provider readiness check (ARM and Graph calls) among the scheduled tasks (default false). */
  providerReadiness?: boolean;
  policy?: BackoffPolicy;
  /** LRO and settle polling. */
  pollIntervalMs?: number;
  /** How often each consumer asks the queue for work. */
  queuePollingSeconds?: number;
  /** How often the fleet's stale-lease sweep runs within its one-minute period. */
  sweepIntervalMs?: number;
  /** How often pg-boss's timekeeper in this worker looks for due schedules (seconds). */
  cronMonitorIntervalSeconds?: number;
  /** Other periods for the fleet's scheduled tasks, by task name (tests). */
  schedulePeriodsMs?: Readonly<Record<string, number>>;
  /** How often the worker's heartbeat row is refreshed (default 10 s). */
  heartbeatIntervalMs?: number;
  /** Signed audit checkpoints (AUDIT_SIGNING_KEY); none without a key. */
  auditCheckpoint?: { key: AuditSigningKey; dir?: string; intervalMinutes: number };
  log?: Logger;
};

export type RunningWorker = { id: string; db: Db; boss: PgBoss; sweepNow(): Promise<number>; stop(): Promise<void> };

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const id = newWorkerId();
  const log = (options.log ?? rootLogger).child({ worker: id });
  const db = createPrismaClient(options.databaseConnection ?? options.databaseUrl);
  const tasks = fleetTasks({
    sweepIntervalMs: options.sweepIntervalMs ?? Math.max(2000, (options.leaseSeconds * 1000) / 2),
    healthIntervalMinutes: options.scheduleHealth === false ? undefined : options.healthIntervalMinutes,
    audit: { key: options.auditCheckpoint?.key, checkpointDir: options.auditCheckpoint?.dir, checkpointIntervalMinutes: options.auditCheckpoint?.intervalMinutes },
    providerReadiness: options.providerReadiness,
    periodsMs: options.schedulePeriodsMs,
  });
  // One polling loop per queue (job kinds, health checks, webhooks, scheduled tasks), each with a short query at a
  // time, plus two for sends and acknowledgements: the pool does not grow with the concurrency.
  const loops = registeredHandlers().length + 2 + tasks.length;
  const boss = await openQueue({ connectionString: options.databaseUrl, connection: options.databaseConnection, poolSize: loops + 2, role: "worker", cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds });
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

  const jobConsumers = registeredHandlers().map((handler) => consumeQueue<JobWake>(boss, jobQueueName(handler.kind), {
    concurrency: handler.concurrency(options.concurrency), pollingIntervalMs: polling.pollingIntervalSeconds * 1000, signal: shutdown.signal, log,
  }, async (data) => {
    if (!shutdown.signal.aborted) await runJob(db, data.jobId, runner);
  }));
  // Scheduled checks arrive spread over the cycle (lib/health/scheduler.ts); one consumer takes up to
  // `concurrency` due checks per poll and runs them side by side. A failed check is logged, not retried: the
  // tenant's next slot comes within one interval.
  // pg-boss waits out the polling interval between batches: half a second keeps a worker above the ~11 checks
  // per second that 10,000 tenants every 15 minutes need.
  await boss.work<HealthScan>(HEALTH_SCAN_QUEUE, { batchSize: options.concurrency, pollingIntervalSeconds: Math.min(0.5, polling.pollingIntervalSeconds) }, async (messages) => {
    await Promise.all(messages.map(async (message) => {
      if (shutdown.signal.aborted) return;
      const attributes = { "cmk.tenant.id": message.data.customerTenantId, "cmk.worker.id": id };
      await inSpan("health-check scheduled", { kind: SpanKind.CONSUMER, parent: contextFromTraceparent(null), attributes }, () => checkTenantHealth(db, message.data.customerTenantId, { queue: boss }))
        .catch((error: unknown) => log.warn({ err: error, customerTenantId: message.data.customerTenantId }, "health check failed"));
    }));
  });
  // Webhook deliveries from the outbox (lib/webhooks); each records its own retries, so a receiver's failure
  // never fails the message. Messages without a delivery id predate the outbox and carry nothing to send.
  await boss.work<Partial<WebhookWake>>(WEBHOOK_QUEUE, polling, async ([message]) => {
    const deliveryId = message?.data.deliveryId;
    if (deliveryId && !shutdown.signal.aborted) {
      await inSpan("webhook delivery", { kind: SpanKind.CONSUMER, parent: contextFromTraceparent(null), attributes: { "cmk.webhook.delivery_id": deliveryId, "cmk.worker.id": id } }, () => deliverWebhook(db, deliveryId, { boss }));
    }
  });
  const checkpoints = options.auditCheckpoint;
  if (!checkpoints) log.warn("AUDIT_SIGNING_KEY is not set: no signed audit checkpoints, so a rewrite of the audit log by the database owner would go unnoticed");
  const sweepNow = () => sweepJobs(db, boss).catch((error: unknown) => {
    log.warn({ err: error }, "job sweep failed");
    return 0;
  });
  const scheduled = await startScheduledTasks(boss, tasks, { db, boss, log, signal: shutdown.signal, workerId: id });
  const heartbeat = await startHeartbeat(db, { instanceId: id, log, intervalMs: options.heartbeatIntervalMs });
  // No-ops unless telemetry with metrics was started in this process (scripts/worker.ts).
  const stopFleetMetrics = registerFleetMetrics(db, id);
  log.info({ concurrency: options.concurrency, leaseSeconds: options.leaseSeconds }, "worker started");

  let stopped: Promise<void> | undefined;
  return {
    id, db, boss, sweepNow,
    stop() {
      stopped ??= (async () => {
        stopFleetMetrics();
        await heartbeat.stop().catch((error: unknown) => log.warn({ err: error }, "could not remove the worker heartbeat"));
        shutdown.abort(new Error("worker shutting down"));
        await scheduled.startupRuns;
        // Aborted handlers hand their jobs back; those that do not end within the grace period are released below.
        const drained = Promise.all(jobConsumers.map((consumer) => consumer.drained()));
        await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
        await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
        const released = await releaseHeldJobs(db, id).catch((error: unknown) => {
          log.warn({ err: error }, "could not release the jobs this worker still held; their leases will lapse");
          return 0;
        });
        if (released > 0) log.warn({ released }, "released jobs whose handlers did not stop within the grace period");
        await db.$disconnect();
        log.info("worker stopped");
      })();
      return stopped;
    },
  };
}
