// Finds jobs that should be running but have no live wake-up: never sent (the enqueuer died after its
// transaction), or held by a worker whose lease lapsed (crashed, killed). Sends them a fresh wake-up.
import type PgBoss from "pg-boss";
import { Prisma } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { JobKind } from "../db/generated/prisma/enums";
import { QUEUE_SCHEMA, sendWake } from "./queue";
import { NOW_UTC } from "./runner";

export async function sweepJobs(db: Db, boss: PgBoss, options: { graceSeconds?: number; schema?: string; limit?: number } = {}): Promise<number> {
  const schema = Prisma.raw(`"${options.schema ?? QUEUE_SCHEMA}"`);
  const grace = options.graceSeconds ?? 5;
  const orphans = await db.$queryRaw<{ id: string; kind: JobKind }[]>`
    SELECT j.id::text AS id, j.kind::text AS kind FROM "Job" j
    WHERE j.status IN ('QUEUED', 'RUNNING')
      AND (j."lockedUntil" IS NULL OR j."lockedUntil" < ${NOW_UTC})
      AND (j."runAfter" IS NULL OR j."runAfter" <= ${NOW_UTC})
      AND j."updatedAt" < ${NOW_UTC} - make_interval(secs => ${grace}::int)
      AND NOT EXISTS (
        SELECT 1 FROM ${schema}.job q
        WHERE q.name = 'job_' || lower(j.kind::text) AND q.state IN ('created', 'retry') AND q.data->>'jobId' = j.id::text)
    ORDER BY j."updatedAt"
    LIMIT ${options.limit ?? 500}`;
  for (const job of orphans) await sendWake(boss, job.kind, job.id);
  return orphans.length;
}
