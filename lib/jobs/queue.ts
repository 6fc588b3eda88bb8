// pg-boss on the application's PostgreSQL (or the embedded one): a wake-up transport only. The Job row is
// the business record and its lease decides who runs it, so a lost, duplicated or orphaned queue message
// is harmless (the sweeper re-sends what is missing).
import PgBoss from "pg-boss";
import pg from "pg";
import { JobKind } from "../db/generated/prisma/enums";
import { poolConfig, type DbConnection } from "../db/entra-password";
import { serverEnv } from "../env";

export const QUEUE_SCHEMA = "pgboss";

/** Messages that wake one Job row: `{ jobId }`. */
export function jobQueueName(kind: JobKind): string {
  return `job_${kind.toLowerCase()}`;
}

/** Scheduled health checks: `{ customerTenantId }`, no Job row (they would flood every tenant's history). */
export const HEALTH_SCAN_QUEUE = "health_scan";
/** Signed webhook deliveries of health notifications, retried by pg-boss with backoff. */
export const WEBHOOK_QUEUE = "notify_webhook";
/** Signing the audit chain's head (lib/audit/checkpoint-job.ts): one message per interval for the fleet. */
export const AUDIT_CHECKPOINT_QUEUE = "audit_checkpoint";

export type JobWake = { jobId: string };

export type QueueOptions = {
  connectionString: string;
  /** node-postgres settings used instead of connectionString, e.g. an Entra token as the password (lib/db/entra-password.ts). */
  connection?: DbConnection;
  schema?: string;
  poolSize?: number;
  pollingIntervalSeconds?: number;
};

/** Starts pg-boss, creating or upgrading its schema (`migrate: true`), and makes sure every queue exists. */
export async function openQueue(options: QueueOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    ...(options.connection ?? { connectionString: options.connectionString }),
    schema: options.schema ?? QUEUE_SCHEMA,
    migrate: true,
    max: options.poolSize ?? 4,
    // Orphaned messages of a crashed worker are taken over through our own lease; pg-boss only tidies up.
    supervise: true,
    maintenanceIntervalSeconds: 60,
    schedule: false,
    application_name: "cmk-jobs",
  });
  boss.on("error", () => undefined);
  await boss.start();
  const queues = [...Object.values(JobKind).map(jobQueueName), HEALTH_SCAN_QUEUE, AUDIT_CHECKPOINT_QUEUE];
  for (const name of queues) await boss.createQueue(name, { name, policy: "standard", retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 60 * 60 });
  await boss.createQueue(WEBHOOK_QUEUE, { name: WEBHOOK_QUEUE, policy: "standard", retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 60 });
  return boss;
}

/**
 * Installs or upgrades pg-boss's schema and every queue as the schema owner, at migration time, and lets the
 * app role (cmk_app, no DDL) use them: at run time pg-boss then finds itself installed and only reads and
 * writes rows.
 */
export async function installQueueSchema(connectionString: string): Promise<void> {
  const boss = await openQueue({ connectionString, poolSize: 1 });
  await boss.stop({ graceful: false, wait: true });
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`GRANT USAGE ON SCHEMA ${QUEUE_SCHEMA} TO cmk_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${QUEUE_SCHEMA} TO cmk_app;
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${QUEUE_SCHEMA} TO cmk_app`);
  } finally {
    await client.end();
  }
}

let shared: Promise<PgBoss> | undefined;

/** The process's queue client for enqueuers (server actions, services), on DATABASE_URL. */
export function sharedQueue(): Promise<PgBoss> {
  shared ??= openQueue({ connectionString: serverEnv().DATABASE_URL, connection: poolConfig(serverEnv()), poolSize: 2 }).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** Tests and the worker share one client; stopping it lets the next caller open a fresh one. */
export async function closeSharedQueue(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) await (await current).stop({ graceful: false, wait: true });
}

/** Wakes the runner for one Job row. `id` makes the first send idempotent (the Job id itself). */
export async function sendWake(boss: PgBoss, kind: JobKind, jobId: string, options: { id?: string; startAfterSeconds?: number } = {}): Promise<void> {
  await boss.send(jobQueueName(kind), { jobId } satisfies JobWake, {
    ...(options.id ? { id: options.id } : {}),
    ...(options.startAfterSeconds && options.startAfterSeconds > 0 ? { startAfter: Math.ceil(options.startAfterSeconds) } : {}),
  });
}
