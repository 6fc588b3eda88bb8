// The contract between the generic job runner and one kind of job. Adding a kind of job = one file that
// exports a JobHandler, listed in ./handlers.ts.
import type { Logger } from "pino";
import type { Db } from "../db/client";
import type { Job } from "../db/generated/prisma/client";
import type { JobKind } from "../db/generated/prisma/enums";
import type { BackoffPolicy } from "../provisioning/azure-errors";

export type JobContext = {
  db: Db;
  job: Job;
  /** 1 for the first attempt; counts every attempt including ones a crashed worker started. */
  attempt: number;
  /** Aborted when this worker loses the job's lease (another worker took over) or shuts down. */
  signal: AbortSignal;
  log: Logger;
  policy: BackoffPolicy;
  /** How often the handler polls long-running operations. */
  pollIntervalMs: number;
};

export type JobOutcome =
  | { status: "succeeded"; result?: Record<string, unknown> }
  /** Try again after `delayMs`; the attempt is recorded as failed with this Azure code. */
  | { status: "retry"; delayMs: number; errorCode: string; errorMessage: string }
  /** Stop: retrying cannot help until someone changes something. */
  | { status: "failed"; errorCode: string; errorMessage: string; result?: Record<string, unknown> }
  /** Stop without an error: what the job was for no longer applies (e.g. superseded by a newer job). */
  | { status: "cancelled"; reason: string };

export interface JobHandler {
  kind: JobKind;
  /** Parallel jobs of this kind per worker process (ARM writes are bounded; reads may go wider). */
  concurrency(workerConcurrency: number): number;
  run(ctx: JobContext): Promise<JobOutcome>;
}
