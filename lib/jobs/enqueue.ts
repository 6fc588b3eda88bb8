// Creating a Job row and waking a worker for it. The row is written first (the durable record), the wake-up
// after; if the process dies in between, the sweeper sends the missing wake-up.
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import type { Job, Prisma } from "../db/generated/prisma/client";
import type { JobKind } from "../db/generated/prisma/enums";
import { currentTraceparent } from "../telemetry/spans";
import { sendWake, sharedQueue } from "./queue";

type Tx = Prisma.TransactionClient;

export type NewJob = { kind: JobKind; idempotencyKey: string; customerTenantId: string | null; payload: Record<string, unknown>; requestedBy?: string | null };

/**
 * Inserts the job unless one with the same idempotency key exists; returns the row either way. The job keeps the
 * trace of the request that queued it, so its spans join that trace.
 */
export async function createJobOnce(tx: Tx | Db, job: NewJob): Promise<{ job: Job; created: boolean }> {
  const inserted = await tx.job.createMany({
    data: [{ kind: job.kind, idempotencyKey: job.idempotencyKey, customerTenantId: job.customerTenantId, payload: job.payload as Prisma.InputJsonValue, requestedBy: job.requestedBy ?? null, traceparent: currentTraceparent() }],
    skipDuplicates: true,
  });
  const row = await tx.job.findUniqueOrThrow({ where: { idempotencyKey: job.idempotencyKey } });
  return { job: row, created: inserted.count === 1 };
}

/**
 * Wakes a worker for a queued job. The queue message id is the Job id, so sending twice queues it once. `queue`:
 * another client than this process's shared one (tests that stand for several web instances).
 */
export async function wakeJob(job: Pick<Job, "id" | "kind" | "status">, queue?: PgBoss): Promise<void> {
  if (job.status !== "QUEUED" && job.status !== "RUNNING") return;
  await sendWake(queue ?? (await sharedQueue()), job.kind, job.id, { id: job.id });
}
