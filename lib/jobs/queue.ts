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
/** Wake-ups of webhook outbox deliveries (`{ deliveryId }`, lib/webhooks), which keep their own retries. */
export const WEBHOOK_QUEUE = "notify_webhook";
/**
 * The fleet's scheduled tasks (lib/jobs/fleet-tasks.ts), one queue each (`every_<task>`), listed here because
 * queues are created with the schema, by its owner, at migration time.
 */
export const SCHEDULED_TASK_QUEUES = ["every_job_sweep", "every_health_sweep", "every_session_purge", "every_revocation_expiry", "every_key_expiry_reminders", "every_audit_chain_verify", "every_audit_checkpoint", "every_provider_readiness"] as const;

export type JobWake = { jobId: string };

export type QueueOptions = {
  connectionString: string;
  /** node-postgres settings used instead of connectionString, e.g. an Entra token as the password (lib/db/entra-password.ts). */
  connection?: DbConnection;
  schema?: string;
  poolSize?: number;
  /**
   * `client` (web instances, enqueuers): only sends; never installs or upgrades the schema, never runs pg-boss
   * maintenance or its cron. `worker`: also supervises (expiry, archiving) and keeps the fleet's schedules.
   * `install` (migrations, as the schema owner): creates or upgrades the schema and every queue.
   */
  role: "client" | "worker" | "install";
  /** How often this worker's timekeeper looks for due schedules (seconds, 1–45). */
  cronMonitorIntervalSeconds?: number;
};

/** Starts pg-boss in the given role (see QueueOptions.role). */
export async function openQueue(options: QueueOptions): Promise<PgBoss> {
  const runsFleetWork = options.role !== "client";
  const boss = new PgBoss({
    ...(options.connection ?? { connectionString: options.connectionString }),
    schema: options.schema ?? QUEUE_SCHEMA,
    // Only migrations change the schema; at run time pg-boss checks that it is installed and current.
    migrate: options.role === "install",
    max: options.poolSize ?? 4,
    // Orphaned messages of a crashed worker are taken over through our own lease; pg-boss only tidies up.
    supervise: runsFleetWork,
    maintenanceIntervalSeconds: 60,
    // The timekeeper turns schedules into messages; pg-boss lets one instance per interval do it.
    schedule: runsFleetWork,
    cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds ?? 5,
    cronWorkerIntervalSeconds: 1,
    application_name: options.role === "client" ? "cmk-web" : "cmk-jobs",
  });
  boss.on("error", () => undefined);
  await boss.start();
  if (options.role === "install") {
    const queues = [...Object.values(JobKind).map(jobQueueName), HEALTH_SCAN_QUEUE];
    for (const name of queues) await boss.createQueue(name, { name, policy: "standard", retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 60 * 60 });
    await boss.createQueue(WEBHOOK_QUEUE, { name: WEBHOOK_QUEUE, policy: "standard", retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 60 });
    // A task that fails is retried within its period; its claim (ScheduledTaskRun) keeps it to one run.
    for (const name of SCHEDULED_TASK_QUEUES) await boss.createQueue(name, { name, policy: "standard", retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 30 * 60 });
  }
  return boss;
}

/**
 * Installs or upgrades pg-boss's schema and every queue as the schema owner, at migration time, and lets the
 * app role (cmk_app, no DDL) use them: at run time pg-boss then finds itself installed and only reads and
 * writes rows.
 */
export async function installQueueSchema(connectionString: string): Promise<void> {
  const boss = await openQueue({ connectionString, poolSize: 1, role: "install" });
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
  shared ??= openQueue({ connectionString: serverEnv().DATABASE_URL, connection: poolConfig(serverEnv()), poolSize: 2, role: "client" }).catch((error: unknown) => {
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
