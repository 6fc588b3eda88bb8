// The recurring work of the fleet, each task once per period for all workers together (lib/jobs/schedules.ts).
import { writeAuditCheckpoint } from "../audit/checkpoint-job";
import type { AuditSigningKey } from "../audit/checkpoint-key";
import { verifyAndRecordAuditChain } from "../audit/chain-status";
import { purgeExpiredSessions } from "../auth/session-purge";
import { queueHealthChecksInWindow } from "../health/scheduler";
import { queueKeyExpiryReminders } from "../onboarding/expiry-reminders";
import { checkProviderReadiness } from "../provisioning/readiness";
import { expireStaleRevocations } from "../support/revocation";
import { HEALTH_SWEEP_PERIOD_MS, HEALTH_SWEEP_TASK, MIN_PERIOD_MS, PROVIDER_READINESS_TASK, type ScheduledTask } from "./schedules";
import { sweepJobs } from "./sweeper";
import { wakeDueWebhooks } from "../webhooks/delivery";

const MINUTE = 60_000;
/** How often the fleet walks the audit chain and stores the result that dashboards show. */
export const AUDIT_CHAIN_VERIFY_PERIOD_MS = 5 * MINUTE;
/** How often the fleet re-checks the provider's own Azure set-up for the operator dashboard. */
export const PROVIDER_READINESS_PERIOD_MS = 5 * MINUTE;
export const SESSION_PURGE_PERIOD_MS = 5 * MINUTE;
/** Key-expiry reminders are whole days apart: one look a day is enough. */
export const KEY_EXPIRY_REMINDER_PERIOD_MS = 24 * 60 * MINUTE;

export type FleetTaskOptions = {
  /** The period of the stale-lease sweep (one sweep per period for the fleet). */
  sweepIntervalMs: number;
  /** Queue health checks (each tenant at its slot in this interval); off when undefined. */
  healthIntervalMinutes?: number;
  audit: { key?: AuditSigningKey; checkpointDir?: string; checkpointIntervalMinutes?: number };
  /** Check the provider's Azure set-up (calls ARM and Graph); the worker process turns it on. */
  providerReadiness?: boolean;
  /** Other periods per task name (tests run every task every minute). */
  periodsMs?: Readonly<Record<string, number>>;
};

export function fleetTasks(options: FleetTaskOptions): ScheduledTask[] {
  const tasks: ScheduledTask[] = [
    {
      // Re-sends wake-ups of jobs whose lease lapsed or whose message was lost. A short period keeps takeover
      // after a crash close to the lease; one sweep per period for the whole fleet.
      name: "job-sweep",
      periodMs: Math.max(MIN_PERIOD_MS, options.sweepIntervalMs),
      async run({ db, boss }) {
        // Also wakes webhook deliveries whose wake-up was lost (lib/webhooks).
        return { resent: await sweepJobs(db, boss), webhooksWoken: await wakeDueWebhooks(db, boss) };
      },
    },
    {
      name: "session-purge",
      periodMs: SESSION_PURGE_PERIOD_MS,
      async run({ db }) {
        return { purged: await purgeExpiredSessions(db, new Date()) };
      },
    },
    {
      // Pending revocation requests past their deadline expire and the customer's admins are told, whether or
      // not anyone opens a page.
      name: "revocation-expiry",
      periodMs: MINUTE,
      async run({ db }) {
        return { expired: await expireStaleRevocations(db, new Date()) };
      },
    },
    {
      // 30, 14 and 7 days before a key in use expires: one webhook per key version and threshold.
      name: "key-expiry-reminders",
      periodMs: KEY_EXPIRY_REMINDER_PERIOD_MS,
      async run({ db, boss }) {
        return queueKeyExpiryReminders(db, boss, new Date());
      },
    },
    {
      name: "audit-chain-verify",
      periodMs: AUDIT_CHAIN_VERIFY_PERIOD_MS,
      async run({ db, log }) {
        const status = await verifyAndRecordAuditChain(db, { key: options.audit.key, checkpointDir: options.audit.checkpointDir });
        if (!status.ok) log.error({ firstBrokenSeq: status.firstBrokenSeq?.toString(), reason: status.reason }, "audit chain broken");
        return { ok: status.ok, checked: status.checked };
      },
    },
  ];
  const { healthIntervalMinutes } = options;
  if (healthIntervalMinutes !== undefined) {
    tasks.push({
      // Queues the tenants whose slot lies in the next minute (so each message waits for its exact slot).
      name: HEALTH_SWEEP_TASK,
      periodMs: HEALTH_SWEEP_PERIOD_MS,
      async run({ db, boss, periodEnd }) {
        const from = periodEnd.getTime();
        return { queued: await queueHealthChecksInWindow(db, boss, { intervalMinutes: healthIntervalMinutes, from, to: from + MINUTE }) };
      },
    });
  }
  const { key, checkpointDir, checkpointIntervalMinutes } = options.audit;
  if (key) {
    tasks.push({
      name: "audit-checkpoint",
      periodMs: Math.max(MIN_PERIOD_MS, (checkpointIntervalMinutes ?? 60) * MINUTE),
      async run({ db, log }) {
        const outcome = await writeAuditCheckpoint(db, { key, dir: checkpointDir, log });
        return "signed" in outcome ? { signedHeadSeq: outcome.signed.headSeq.toString() } : { skipped: outcome.skipped };
      },
    });
  }
  if (options.providerReadiness) {
    tasks.push({
      name: PROVIDER_READINESS_TASK,
      periodMs: PROVIDER_READINESS_PERIOD_MS,
      async run() {
        const report = await checkProviderReadiness();
        return { ...report, checkedAt: report.checkedAt.toISOString() };
      },
    });
  }
  return tasks.map((task) => ({ ...task, periodMs: options.periodsMs?.[task.name] ?? task.periodMs }));
}
