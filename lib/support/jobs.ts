// Support operations run on the durable job engine (lib/jobs): the Job row is written first, its idempotency
// key makes a double submit one job, and the worker is woken for it (the sweeper re-sends a lost wake-up).
import type { Db } from "../db/client";
import { Prisma, type Job } from "../db/generated/prisma/client";
import type { JobKind } from "../db/generated/prisma/enums";
import { AppError } from "../errors";
import { createJobOnce, wakeJob } from "../jobs/enqueue";
import { logger } from "../logger";
import { currentTraceparent } from "../telemetry/spans";

export type SupportJobKind = Extract<JobKind, "ROTATE_KEY" | "REVOKE" | "RESTORE">;

export type EnqueueInput = { kind: SupportJobKind; customerTenantId: string; idempotencyKey: string; payload: Record<string, unknown>; requestedBy: string };

export async function enqueueSupportJob(db: Db, input: EnqueueInput): Promise<Job> {
  const job = input.kind === "ROTATE_KEY" ? await insertRotationJob(db, input) : (await createJobOnce(db, input)).job;
  await wakeJob(job).catch((error: unknown) => logger.warn({ err: error, jobId: job.id }, "could not wake the worker; the sweeper will"));
  return job;
}

/** A job still to run or running for this tenant and kind. */
export async function openJob(db: Db, customerTenantId: string, kinds: SupportJobKind[]): Promise<Job | null> {
  return db.job.findFirst({ where: { customerTenantId, kind: { in: kinds }, status: { in: ["QUEUED", "RUNNING"] } }, orderBy: { createdAt: "desc" } });
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * A rotation job, refused when the DES already has an open one. The database decides (the partial unique index
 * "Job_one_open_rotation_per_des"), so two requests at the same moment cannot both pass a check and insert.
 * The same idempotency key again (a double submit) returns the existing job.
 */
async function insertRotationJob(db: Db, input: EnqueueInput): Promise<Job> {
  try {
    return await db.job.create({ data: { kind: input.kind, idempotencyKey: input.idempotencyKey, customerTenantId: input.customerTenantId, payload: input.payload as Prisma.InputJsonValue, requestedBy: input.requestedBy, traceparent: currentTraceparent() } });
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") throw error;
    const same = await db.job.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
    if (same) return same;
    const running = await db.job.findFirst({ where: { customerTenantId: input.customerTenantId, kind: "ROTATE_KEY", status: { in: ["QUEUED", "RUNNING"] }, payload: { path: ["diskEncryptionSetId"], equals: input.payload.diskEncryptionSetId as string } }, orderBy: { createdAt: "desc" } });
    const started = running ? ` (started ${utc(running.startedAt ?? running.createdAt)}${running.status === "QUEUED" ? ", waiting for a worker" : ""})` : "";
    throw new AppError("CONFLICT", `A rotation of this disk encryption set is already running${started}.`, { fix: "Wait until it has finished (the page shows its progress), then try again." });
  }
}
