// Support operations run on the durable job engine (lib/jobs): the Job row is written first, its idempotency
// key makes a double submit one job, and the worker is woken for it (the sweeper re-sends a lost wake-up).
import type { Db } from "../db/client";
import type { Job } from "../db/generated/prisma/client";
import type { JobKind } from "../db/generated/prisma/enums";
import { createJobOnce, wakeJob } from "../jobs/enqueue";
import { logger } from "../logger";

export type SupportJobKind = Extract<JobKind, "ROTATE_KEY" | "REVOKE" | "RESTORE">;

export type EnqueueInput = { kind: SupportJobKind; customerTenantId: string; idempotencyKey: string; payload: Record<string, unknown>; requestedBy: string };

export async function enqueueSupportJob(db: Db, input: EnqueueInput): Promise<Job> {
  const { job } = await createJobOnce(db, input);
  await wakeJob(job).catch((error: unknown) => logger.warn({ err: error, jobId: job.id }, "could not wake the worker; the sweeper will"));
  return job;
}

/** A job still to run or running for this tenant and kind. */
export async function openJob(db: Db, customerTenantId: string, kinds: SupportJobKind[]): Promise<Job | null> {
  return db.job.findFirst({ where: { customerTenantId, kind: { in: kinds }, status: { in: ["QUEUED", "RUNNING"] } }, orderBy: { createdAt: "desc" } });
}
