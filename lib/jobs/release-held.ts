// The last step of a worker's graceful shutdown: handlers hand their job back when they see the shutdown abort;
// one that did not end within the grace period still holds its lease. This hands those back too, so another
// worker takes them at once instead of when the lease lapses. A late finish() by the stopping worker is then
// refused (it no longer holds the job).
import type { Db } from "../db/client";
import { NOW_UTC } from "./runner";

/** Requeues the jobs `workerId` still holds and closes their open attempts; returns how many. */
export async function releaseHeldJobs(db: Db, workerId: string): Promise<number> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "Job" SET status = 'QUEUED', "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = ${NOW_UTC}
      WHERE "lockedBy" = ${workerId} AND status = 'RUNNING'
      RETURNING id::text AS id`;
    if (rows.length > 0) {
      await tx.jobAttempt.updateMany({
        where: { jobId: { in: rows.map((row) => row.id) }, finishedAt: null },
        data: { finishedAt: new Date(), errorCode: "WorkerStopped", errorMessage: "The worker shut down during this attempt; the job continues on the next worker." },
      });
    }
    return rows.length;
  });
}
