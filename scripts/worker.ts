// `npm run worker`: runs queued Azure jobs (DES provisioning, health checks, notifications) and signs audit checkpoints, with bounded
// concurrency. Works on PostgreSQL and the embedded database alike; SIGTERM/SIGINT finish gracefully. Production
// runs the esbuild bundle of this file: `node dist/worker.mjs` (the Dockerfile's worker target).
import { poolConfig } from "../lib/db/entra-password";
import { EnvError, serverEnv } from "../lib/env";
import { AppError } from "../lib/errors";
import { startWorker, type RunningWorker } from "../lib/jobs/worker";
import { logger } from "../lib/logger";
import { startTelemetry, type Telemetry } from "../lib/telemetry/setup";

let worker: RunningWorker | undefined;
let telemetry: Telemetry | undefined;
let stopping = false;

/** Graceful stop takes at most ~20 s (handlers aborted, queue drained for 15 s, held jobs released); past 28 s we exit anyway. */
const STOP_DEADLINE_MS = 28_000;

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    process.stderr.write(`✖ worker did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting (its job leases lapse and other workers take over)\n`);
    process.exit(code || 1);
  }, STOP_DEADLINE_MS).unref();
  await worker?.stop().catch((error: unknown) => logger.error({ err: error }, "worker did not stop cleanly"));
  // The last spans and metrics of this worker go out before it exits.
  await telemetry?.shutdown().catch((error: unknown) => logger.warn({ err: error }, "could not flush telemetry"));
  process.exit(code);
}

async function main() {
  const env = serverEnv();
  // Before the first Azure client is used, so that every SDK call is traced.
  telemetry = await startTelemetry({ serviceName: "cmk-worker", metrics: true });
  if (telemetry.tracing) logger.info({ destinations: telemetry.destinations, metrics: telemetry.metrics }, "telemetry exported");
  worker = await startWorker({
    databaseUrl: env.DATABASE_URL,
    databaseConnection: poolConfig(env),
    concurrency: env.WORKER_CONCURRENCY,
    leaseSeconds: env.JOB_LEASE_SECONDS,
    healthIntervalMinutes: env.HEALTH_CHECK_INTERVAL_MINUTES,
    providerReadiness: true,
    schedulePeriodsMs: env.SCHEDULED_TASK_PERIOD_SECONDS,
    ...(env.AUDIT_SIGNING_KEY && { auditCheckpoint: { key: env.AUDIT_SIGNING_KEY, dir: env.AUDIT_CHECKPOINT_DIR, intervalMinutes: env.AUDIT_CHECKPOINT_INTERVAL_MINUTES } }),
  });
  process.stdout.write(`worker ${worker.id} running (concurrency ${env.WORKER_CONCURRENCY}, lease ${env.JOB_LEASE_SECONDS}s, health every ${env.HEALTH_CHECK_INTERVAL_MINUTES} min)\n`);
}

process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));

main().catch((error: unknown) => {
  if (error instanceof EnvError) process.stderr.write(`✖ ${error.message}\n`);
  else if (error instanceof AppError) process.stderr.write(`✖ ${error.toLine()}\n`);
  else process.stderr.write(`✖ Worker start-up failed: ${(error as Error).message}\n`);
  void stop(1);
});
