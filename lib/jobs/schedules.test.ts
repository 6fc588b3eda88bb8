// A fleet of two workers on one database: every scheduled task runs once per period between them, never twice,
// and the second period's run comes from pg-boss's schedule (not from a worker's start-up). A web-side queue
// client never runs pg-boss's cron or maintenance. Real PostgreSQL, real pg-boss; every task's period is one
// minute here (pg-boss's cron resolution), so the test takes a little over a minute.
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
const TASKS = ["job-sweep", "session-purge", "revocation-expiry", "audit-chain-verify", "health-sweep", "audit-checkpoint"];
const EVERY_MINUTE = Object.fromEntries(TASKS.map((task) => [task, 60_000]));
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
    const log = pino({ level: "info" }, captureRuns());
    const started = Date.now();
    for (let i = 0; i < 2; i += 1) {
      workers.push(await startWorker({
        databaseUrl: testDatabaseUrl(), concurrency: 1, leaseSeconds: 30, healthIntervalMinutes: 15, queuePollingSeconds: 0.5, sweepIntervalMs: 1000,
        cronMonitorIntervalSeconds: 1, schedulePeriodsMs: EVERY_MINUTE, auditCheckpoint: { key, intervalMinutes: 1 }, log,
      }));
    }
    // Until every task has run in the period after the first one (pg-boss's schedule fired it), plus a few
    // seconds in which a second run of that period would show.
    const secondPeriod = periodOf(started, 60_000).end.toISOString();
    const deadline = started + 150_000;
    while (Date.now() < deadline && !TASKS.every((task) => runs.some((run) => run.task === task && run.periodStart === secondPeriod))) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 5000));

    for (const task of TASKS) {
      const periods = runs.filter((run) => run.task === task).map((run) => run.periodStart);
      expect(periods, task).toContain(secondPeriod);
      expect(new Set(periods).size, `${task} ran twice in a period: ${periods.join(", ")}`).toBe(periods.length);
      expect(await db.scheduledTaskRun.count({ where: { task, finishedAt: { not: null } } }), task).toBe(periods.length);
    }
    // The work itself happened once: the session is gone, the request expired with one audit event and one notice.
    expect(await db.session.count()).toBe(0);
    expect(await db.revocationRequest.findFirst()).toMatchObject({ status: "EXPIRED" });
    expect(await db.auditEvent.count({ where: { action: "support.revoke.expire" } })).toBe(1);
    expect(await db.auditCheckpoint.count()).toBeGreaterThanOrEqual(1);
  }, 200_000);
});
