// Runs one Job row under a lease: whoever holds an unexpired lease runs it, everyone else's wake-up is a
// no-op. The lease is renewed while the handler runs; if the worker dies (even kill -9) it lapses and the
// sweeper hands the job to the next worker, whose handler converges on the same Azure resource.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import type { Job } from "../db/generated/prisma/client";
import { Prisma } from "../db/generated/prisma/client";
import { logger as rootLogger } from "../logger";
import { azureRequestIds, classifyAzureError, DEFAULT_BACKOFF, retryDecision, type BackoffPolicy } from "../provisioning/azure-errors";
import { contextFromTraceparent, inSpan, SpanKind, SpanStatusCode } from "../telemetry/spans";
import { recordJobLatency } from "../telemetry/fleet-metrics";
import { handlerFor } from "./handlers";
import type { JobOutcome } from "./types";

/** Database time in UTC, the one clock all workers share (Prisma stores timestamp(3) as UTC). */
export const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

export type RunnerOptions = {
  workerId: string;
  leaseSeconds: number;
  policy?: BackoffPolicy;
  pollIntervalMs?: number;
  log?: Logger;
  /** Called when a job must run again later (the worker sends a delayed wake-up). */
  scheduleRetry(job: Pick<Job, "id" | "kind">, delayMs: number): Promise<void>;
  /** Aborts running handlers when the worker shuts down. */
  shutdown?: AbortSignal;
};

export type RunResult = { ran: false; reason: "not-found" | "finished" | "leased" | "not-due" } | { ran: true; outcome: JobOutcome };

/**
 * Takes the lease and opens an attempt in one statement (closing attempts a dead worker left open): no interactive
 * transaction, so a worker with a hundred jobs starting at once does not hold a pooled connection per job.
 */
async function acquire(db: Db, jobId: string, workerId: string, leaseSeconds: number): Promise<{ job: Job; attempt: number } | RunResult> {
  // The statements of one WITH see the same snapshot: closing open attempts does not touch the one it opens.
  const rows = await db.$queryRaw<Job[]>`
    WITH taken AS (
      UPDATE "Job" SET status = 'RUNNING', "lockedBy" = ${workerId},
        "lockedUntil" = ${NOW_UTC} + make_interval(secs => ${leaseSeconds}::int),
        attempts = attempts + 1, "startedAt" = COALESCE("startedAt", ${NOW_UTC}), "runAfter" = NULL, "updatedAt" = ${NOW_UTC}
      WHERE id = ${jobId}::uuid AND status IN ('QUEUED', 'RUNNING')
        AND ("lockedUntil" IS NULL OR "lockedUntil" < ${NOW_UTC})
        AND ("runAfter" IS NULL OR "runAfter" <= ${NOW_UTC})
      RETURNING *
    ), lost AS (
      UPDATE "JobAttempt" SET "finishedAt" = ${NOW_UTC}, "errorCode" = 'WorkerLost',
        "errorMessage" = 'The worker running this attempt stopped; another worker took the job over.'
      WHERE "jobId" IN (SELECT id FROM taken) AND "finishedAt" IS NULL
    ), opened AS (
      INSERT INTO "JobAttempt" (id, "jobId", attempt, "startedAt") SELECT gen_random_uuid(), id, attempts, ${NOW_UTC} FROM taken
    )
    SELECT * FROM taken`;
  const job = rows[0];
  if (job) return { job, attempt: job.attempts };
  const current = await db.job.findUnique({ where: { id: jobId }, select: { status: true, lockedUntil: true } });
  if (!current) return { ran: false, reason: "not-found" };
  if (current.status !== "QUEUED" && current.status !== "RUNNING") return { ran: false, reason: "finished" };
  return { ran: false, reason: current.lockedUntil && current.lockedUntil > new Date() ? "leased" : "not-due" };
}

/** Renews the lease every third of its length; aborts the handler if another worker holds it now. */
function keepLease(db: Db, jobId: string, workerId: string, leaseSeconds: number, controller: AbortController, log: Logger): () => void {
  const timer = setInterval(() => {
    void db.$executeRaw`
      UPDATE "Job" SET "lockedUntil" = ${NOW_UTC} + make_interval(secs => ${leaseSeconds}::int)
      WHERE id = ${jobId}::uuid AND "lockedBy" = ${workerId} AND status = 'RUNNING'`
      .then((count) => {
        if (count === 0 && !controller.signal.aborted) {
          log.warn({ jobId }, "lost the job lease; stopping this attempt");
          controller.abort(new Error("lease lost"));
        }
      })
      .catch((error: unknown) => log.warn({ jobId, err: error }, "could not renew the job lease"));
  }, Math.max(1000, (leaseSeconds * 1000) / 3));
  timer.unref();
  return () => clearInterval(timer);
}

/** Records the outcome and closes the attempt in one statement, only while this worker holds the lease. */
async function finish(db: Db, job: Job, attempt: number, workerId: string, outcome: JobOutcome): Promise<boolean> {
  const errorCode = outcome.status === "succeeded" ? null : outcome.status === "cancelled" ? "Cancelled" : outcome.errorCode;
  const errorMessage = outcome.status === "succeeded" ? null : outcome.status === "cancelled" ? outcome.reason : outcome.errorMessage;
  const result = outcome.status === "retry" || outcome.status === "cancelled" || !outcome.result ? null : JSON.stringify(outcome.result);
  const set = outcome.status === "succeeded"
    ? Prisma.sql`status = 'SUCCEEDED', result = COALESCE(${result}::jsonb, '{}'::jsonb), "finishedAt" = ${NOW_UTC}, "runAfter" = NULL`
    : outcome.status === "cancelled"
      ? Prisma.sql`status = 'CANCELLED', "finishedAt" = ${NOW_UTC}, "runAfter" = NULL, "lastErrorMessage" = ${errorMessage}`
      : outcome.status === "retry"
      ? Prisma.sql`status = 'QUEUED', "runAfter" = ${NOW_UTC} + make_interval(secs => ${outcome.delayMs / 1000}::double precision),
          "lastErrorCode" = ${errorCode}, "lastErrorMessage" = ${errorMessage}`
      : Prisma.sql`status = 'FAILED', result = COALESCE(${result}::jsonb, result), "finishedAt" = ${NOW_UTC}, "runAfter" = NULL,
          "lastErrorCode" = ${errorCode}, "lastErrorMessage" = ${errorMessage}`;
  // Only the lease holder may record an outcome: a worker that lost its lease must not overwrite.
  const rows = await db.$queryRaw<{ recorded: number }[]>`
    WITH owned AS (
      UPDATE "Job" SET ${set}, "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = ${NOW_UTC}
      WHERE id = ${job.id}::uuid AND "lockedBy" = ${workerId}
      RETURNING id
    ), closed AS (
      UPDATE "JobAttempt" SET "finishedAt" = ${NOW_UTC}, "errorCode" = ${errorCode}, "errorMessage" = ${errorMessage}
      WHERE "jobId" IN (SELECT id FROM owned) AND attempt = ${attempt}
    )
    SELECT count(*)::int AS recorded FROM owned`;
  return (rows[0]?.recorded ?? 0) > 0;
}

async function release(db: Db, jobId: string, attempt: number, workerId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const count = await tx.$executeRaw`
      UPDATE "Job" SET status = 'QUEUED', "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = ${NOW_UTC}
      WHERE id = ${jobId}::uuid AND "lockedBy" = ${workerId} AND status = 'RUNNING'`;
    if (count > 0) {
      await tx.jobAttempt.updateMany({ where: { jobId, attempt, finishedAt: null }, data: { finishedAt: new Date(), errorCode: "WorkerStopped", errorMessage: "The worker shut down during this attempt; the job continues on the next worker." } });
    }
  });
}

/** Runs the job if it is due and nobody else holds it. Safe to call any number of times for the same job. */
export async function runJob(db: Db, jobId: string, options: RunnerOptions): Promise<RunResult> {
  const log = (options.log ?? rootLogger).child({ jobId, worker: options.workerId });
  const acquired = await acquire(db, jobId, options.workerId, options.leaseSeconds);
  if ("ran" in acquired) return acquired;
  const { job, attempt } = acquired;
  // One span per attempt, in the trace of the request that queued the job (none: a trace of its own).
  const attributes = { "cmk.job.kind": job.kind, "cmk.job.id": job.id, "cmk.job.attempt": attempt, "cmk.worker.id": options.workerId };
  return inSpan(`job ${job.kind}`, { kind: SpanKind.CONSUMER, parent: contextFromTraceparent(job.traceparent), attributes }, async (span) => {
    const result = await runAcquired(db, job, attempt, options, log);
    if (result.ran) {
      span.setAttribute("cmk.job.outcome", result.outcome.status);
      if (result.outcome.status === "retry" || result.outcome.status === "failed") {
        span.setAttribute("cmk.azure_code", result.outcome.errorCode);
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.outcome.errorCode });
      }
    }
    return result;
  });
}

async function runAcquired(db: Db, job: Job, attempt: number, options: RunnerOptions, log: Logger): Promise<RunResult> {
  const handler = handlerFor(job.kind);
  const controller = new AbortController();
  // One signal for both causes; AbortSignal.any adds no listener per job to the worker's shutdown signal.
  const signal = options.shutdown ? AbortSignal.any([controller.signal, options.shutdown]) : controller.signal;
  const stopLease = keepLease(db, job.id, options.workerId, options.leaseSeconds, controller, log);
  const policy = options.policy ?? DEFAULT_BACKOFF;
  let outcome: JobOutcome;
  try {
    outcome = await handler.run({ db, job, attempt, signal, log, policy, pollIntervalMs: options.pollIntervalMs ?? 2000 });
  } catch (error) {
    // What a handler did not handle itself (a database hiccup, a bug): the one classifier decides, with the same backoff.
    log.error({ err: error, kind: job.kind, attempt, ...azureRequestIds(error) }, "job handler threw");
    const failure = classifyAzureError(error);
    const decision = retryDecision(failure, attempt, Date.now() - (job.startedAt ?? job.createdAt).getTime(), policy);
    const errorMessage = failure.message.slice(0, 500);
    outcome = decision.retry ? { status: "retry", delayMs: decision.delayMs, errorCode: failure.azureCode, errorMessage } : { status: "failed", errorCode: failure.azureCode, errorMessage };
  } finally {
    stopLease();
  }
  if (signal.aborted) {
    // Lease lost: leave the job to whoever holds it. Shutting down: hand it back now rather than when the lease lapses.
    if (options.shutdown?.aborted) await release(db, job.id, attempt, options.workerId);
    log.info({ attempt }, "attempt abandoned");
    return { ran: true, outcome };
  }
  const recorded = await finish(db, job, attempt, options.workerId, outcome);
  if (recorded && outcome.status === "retry") await options.scheduleRetry(job, outcome.delayMs);
  if (recorded && outcome.status !== "retry") recordJobLatency(job.kind, outcome.status, Date.now() - job.createdAt.getTime());
  log.info({ kind: job.kind, attempt, status: outcome.status, ...(outcome.status === "retry" || outcome.status === "failed" ? { azureCode: outcome.errorCode } : {}) }, "job attempt finished");
  return { ran: true, outcome };
}

export function newWorkerId(): string {
  return `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
}
