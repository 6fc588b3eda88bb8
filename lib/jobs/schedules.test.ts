// A fleet of two workers on one database: every scheduled task runs once per period between them, never twice
// and without gaps (each run queues the next period's message). A web-side queue client never runs pg-boss's
// cron or maintenance. Real PostgreSQL, real pg-boss; every task's period is 3 s here.
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuditSigningKeyText, parseAuditSigningKey } from "../audit/checkpoint-key";
import { recordAudit } from "../audit/log";
import { setAppEnvForTests } from "../testing/app-env";
import { testDatabaseUrl, testDb } from "../testing/db";
import { openQueue } from "./queue";
import { periodOf } from "./schedules";
import { startWorker, type RunningWorker } from "./worker";

const db = testDb();
const workers: RunningWorker[] = [];
const TASKS = ["job-sweep", "session-purge", "revocation-expiry", "key-expiry-reminders", "audit-chain-verify", "health-sweep", "audit-checkpoint"];
const PERIOD_MS = 3000;
const SHORT_PERIODS = Object.fromEntries(TASKS.map((task) => [task, PERIOD_MS]));
const runs: { task: string; periodStart: string; worker: string }[] = [];

function captureRuns() {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        const entry = JSON.parse(line) as { msg?: string; task?: string; periodStart?: string; worker?: string };
        if (entry.msg === "scheduled task ran" && entry.task && entry.periodStart && entry.worker) runs.push({ task: entry.task, periodStart: entry.periodStart, worker: entry.worker });
      }
      done();
    },
  });
}

async function pgbossVersionRow() {
  const [row] = await db.$queryRaw<{ cron_on: Date | null; maintained_on: Date | null }[]>`SELECT cron_on, maintained_on FROM pgboss.version`;
  return row;
}

beforeAll(() => {
  setAppEnvForTests();
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await db.$disconnect();
});

describe("the fleet's scheduled tasks", () => {
  it("a web instance's queue client runs neither pg-boss's cron nor its maintenance", async () => {
    const before = await pgbossVersionRow();
    const client = await openQueue({ connectionString: testDatabaseUrl(), poolSize: 1, role: "client", cronMonitorIntervalSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await client.stop({ graceful: false, wait: true });
    expect(await pgbossVersionRow()).toEqual(before);
    expect(await db.scheduledTaskRun.count()).toBe(0);
    // The same for a worker's client: its timekeeper takes the cron turn (the assertion above can fail).
    const worker = await openQueue({ connectionString: testDatabaseUrl(), poolSize: 1, role: "worker", cronMonitorIntervalSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await worker.stop({ graceful: false, wait: true });
    expect((await pgbossVersionRow())?.cron_on).not.toEqual(before?.cron_on);
  });

  it("two workers run every task once per period between them, never twice", async () => {
    // Work for the tasks to do: an expired session and a revocation request past its deadline.
    const tenant = await db.customerTenant.create({ data: { tenantId: "a1a1a1a1-0000-4000-8000-000000000001", displayName: "Fleet test customer", consentStatus: "GRANTED" } });
    await db.session.create({ data: { idHash: "expired-session", kind: "CUSTOMER", tenantId: tenant.tenantId, userOid: "a1a1a1a1-0000-4000-8000-000000000002", userName: "u", displayName: "U", roles: [], absoluteExpiresAt: new Date(Date.now() - 1000) } });
    await db.revocationRequest.create({ data: { customerTenantId: tenant.id, reason: "fleet test", requestedByOid: "a1a1a1a1-0000-4000-8000-000000000003", requestedByName: "support", expiresAt: new Date(Date.now() - 1000), impact: {}, stoppedVmIds: [] } });
    await recordAudit(db, { actorType: "SYSTEM", actorId: "fleet-test", action: "test.fleet", result: "SUCCESS" });

    const key = parseAuditSigningKey(generateAuditSigningKeyText());
    const log = pino({ level: "debug" }, captureRuns());
    for (let i = 0; i < 2; i += 1) {
      workers.push(await startWorker({
        databaseUrl: testDatabaseUrl(), concurrency: 1, leaseSeconds: 30, healthIntervalMinutes: 15, queuePollingSeconds: 0.5, sweepIntervalMs: 1000,
        schedulePeriodsMs: SHORT_PERIODS, auditCheckpoint: { key, intervalMinutes: 1 }, log,
      }));
    }
    // Five whole periods after the workers started.
    const first = periodOf(Date.now(), PERIOD_MS).end.getTime();
    const expected = Array.from({ length: 5 }, (_, k) => new Date(first + k * PERIOD_MS).toISOString());
    await new Promise((resolve) => setTimeout(resolve, first + 5 * PERIOD_MS + 1500 - Date.now()));

    for (const task of TASKS) {
      const periods = runs.filter((run) => run.task === task).map((run) => run.periodStart);
      expect(periods.filter((period) => expected.includes(period)).sort(), `${task} ran in these periods: ${periods.join(", ")}`).toEqual(expected);
      expect(new Set(periods).size, `${task} ran twice in a period: ${periods.join(", ")}`).toBe(periods.length);
      expect(await db.scheduledTaskRun.count({ where: { task, finishedAt: { not: null } } }), task).toBe(periods.length);
    }
    // The work itself happened once: the session is gone, the request expired with one audit event and one notice.
    expect(await db.session.count()).toBe(0);
    expect(await db.revocationRequest.findFirst()).toMatchObject({ status: "EXPIRED" });
    expect(await db.auditEvent.count({ where: { action: "support.revoke.expire" } })).toBe(1);
    expect(await db.auditCheckpoint.count()).toBeGreaterThanOrEqual(1);

    // The fleet, not one process, carries the schedule: which worker wins a period is chance, so stop the first
    // worker and the other must run every task in each of the next periods.
    await workers[0]!.stop();
    const later = periodOf(Date.now(), PERIOD_MS).end.getTime();
    const next = [later, later + PERIOD_MS].map((time) => new Date(time).toISOString());
    await new Promise((resolve) => setTimeout(resolve, later + 2 * PERIOD_MS + 1500 - Date.now()));
    for (const task of TASKS) {
      const after = runs.filter((run) => run.task === task && next.includes(run.periodStart));
      expect(after.map((run) => run.periodStart).sort(), `${task} after one worker stopped`).toEqual(next);
      expect(new Set(after.map((run) => run.worker)), task).toEqual(new Set([workers[1]!.id]));
    }
  }, 90_000);
});
