// The fleet's numbers from the database: queue depth and waiting time (Job rows and pg-boss queues), job latency
// percentiles, ARM write tokens left, health sweep lag and webhook failures.
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HEALTH_SCAN_QUEUE, openQueue, WEBHOOK_QUEUE } from "../jobs/queue";
import { HEALTH_SWEEP_TASK } from "../jobs/schedules";
import { isFleetReporter } from "../telemetry/fleet-metrics";
import { testDatabaseUrl, testDb } from "../testing/db";
import { armWriteBudgetLeft, fleetSnapshot, healthSweepLag, jobLatencies, queueDepths, WEBHOOK_FAILURE_WINDOW_HOURS, webhookFailures, workerHeartbeats } from "./stats";

const db = testDb();
let boss: PgBoss;
const ago = (ms: number) => new Date(Date.now() - ms);
let n = 0;
const job = (data: Partial<Parameters<typeof db.job.create>[0]["data"]>) => db.job.create({ data: { kind: "PROVISION_DES", idempotencyKey: `stats-${n++}`, payload: {}, ...data } });

beforeAll(async () => {
  boss = await openQueue({ connectionString: testDatabaseUrl(), role: "client", poolSize: 1 });
});

afterAll(async () => {
  await boss.stop({ graceful: false, wait: true });
});

beforeEach(async () => {
  await db.$executeRawUnsafe(`TRUNCATE "Job", "ArmWriteBudget", "ScheduledTaskRun", "WebhookDelivery" CASCADE; DELETE FROM pgboss.job`);
});

describe("queue depth", () => {
  it("counts queued Job rows by kind (due now and delayed) and how long the oldest due one has waited", async () => {
    await job({ status: "QUEUED", createdAt: ago(300_000) });
    await job({ status: "QUEUED" });
    await job({ status: "QUEUED", runAfter: new Date(Date.now() + 60_000) });
    await job({ status: "QUEUED", kind: "ROTATE_KEY", createdAt: ago(600_000), runAfter: ago(20_000) });
    await job({ status: "RUNNING" });
    await job({ status: "SUCCEEDED", finishedAt: new Date() });
    const depths = await queueDepths(db);
    const provision = depths.find((d) => d.queue === "PROVISION_DES");
    expect(provision).toMatchObject({ due: 2, delayed: 1 });
    expect(provision!.oldestDueSeconds).toBeGreaterThanOrEqual(299);
    expect(provision!.oldestDueSeconds).toBeLessThan(330);
    // A retry waits from its runAfter, not from when the job was first queued.
    const rotate = depths.find((d) => d.queue === "ROTATE_KEY");
    expect(rotate).toMatchObject({ due: 1, delayed: 0 });
    expect(rotate!.oldestDueSeconds).toBeGreaterThanOrEqual(19);
    expect(rotate!.oldestDueSeconds).toBeLessThan(60);
    expect(depths.map((d) => d.queue)).not.toContain("HEALTH_CHECK");
  });

  it("counts pg-boss messages waiting in the work queues, not the wake-ups of Job rows nor started ones", async () => {
    await boss.send(HEALTH_SCAN_QUEUE, { customerTenantId: "a" });
    await boss.send(HEALTH_SCAN_QUEUE, { customerTenantId: "b" });
    await boss.send(HEALTH_SCAN_QUEUE, { customerTenantId: "c" }, { startAfter: 3600 });
    await boss.send(WEBHOOK_QUEUE, { deliveryId: "d" });
    await boss.send("job_provision_des", { jobId: "x" });
    await db.$executeRawUnsafe(`UPDATE pgboss.job SET start_after = now() - interval '90 seconds' WHERE name = '${HEALTH_SCAN_QUEUE}' AND data->>'customerTenantId' = 'a'`);
    await db.$executeRawUnsafe(`UPDATE pgboss.job SET state = 'active', started_on = now() WHERE name = '${WEBHOOK_QUEUE}'`);
    const depths = await queueDepths(db);
    const scans = depths.find((d) => d.queue === HEALTH_SCAN_QUEUE);
    expect(scans).toMatchObject({ due: 2, delayed: 1 });
    expect(scans!.oldestDueSeconds).toBeGreaterThanOrEqual(89);
    expect(scans!.oldestDueSeconds).toBeLessThan(120);
    expect(depths.map((d) => d.queue)).not.toContain(WEBHOOK_QUEUE);
    expect(depths.map((d) => d.queue)).not.toContain("job_provision_des");
  });
});

describe("job latency", () => {
  it("gives p50 and p95 of queueing-to-end over jobs finished in the last 15 minutes, per kind", async () => {
    for (let seconds = 1; seconds <= 10; seconds++) await job({ status: seconds === 10 ? "FAILED" : "SUCCEEDED", createdAt: ago(60_000 + seconds * 1000), finishedAt: ago(60_000) });
    await job({ status: "SUCCEEDED", createdAt: ago(3_600_000 + 500_000), finishedAt: ago(3_600_000) });
    await job({ status: "RUNNING", createdAt: ago(500_000) });
    const [latency, ...others] = await jobLatencies(db);
    expect(others).toEqual([]);
    expect(latency).toMatchObject({ kind: "PROVISION_DES", finished: 10 });
    expect(latency!.p50Seconds).toBeCloseTo(5.5, 1);
    expect(latency!.p95Seconds).toBeCloseTo(9.55, 1);
  });
});

describe("ARM write budget", () => {
  it("reads the tokens the shared bucket holds now (refilled since last touched, capped at its size) and any 429 pause", async () => {
    await db.$executeRaw`INSERT INTO "ArmWriteBudget" ("subscriptionId", region, tokens, "refilledAt") VALUES ('sub-a', 'westeurope', 50, clock_timestamp() - interval '2 seconds')`;
    await db.$executeRaw`INSERT INTO "ArmWriteBudget" ("subscriptionId", region, tokens, "refilledAt", "pausedUntil") VALUES ('sub-b', 'westeurope', -5, clock_timestamp(), clock_timestamp() + interval '30 seconds')`;
    await db.$executeRaw`INSERT INTO "ArmWriteBudget" ("subscriptionId", region, tokens, "refilledAt") VALUES ('sub-c', 'westeurope', 190, clock_timestamp() - interval '1 hour')`;
    const [a, b, c] = await armWriteBudgetLeft(db, { bucketSize: 200, refillPerSecond: 10 });
    expect(a!.tokens).toBeGreaterThanOrEqual(70);
    expect(a!.tokens).toBeLessThan(75);
    expect(a!.pausedForSeconds).toBe(0);
    expect(b!.tokens).toBeLessThan(0);
    expect(b!.pausedForSeconds).toBeGreaterThan(28);
    expect(c!.tokens).toBe(200);
  });
});

describe("health sweep lag", () => {
  it("is the longest a due health check has waited past its slot", async () => {
    await db.scheduledTaskRun.create({ data: { task: HEALTH_SWEEP_TASK, periodStart: ago(30_000), workerId: "w", finishedAt: ago(20_000) } });
    await boss.send(HEALTH_SCAN_QUEUE, { customerTenantId: "a" }, { startAfter: new Date(Date.now() - 45_000).toISOString() });
    const lag = await healthSweepLag(db);
    expect(lag.dueChecks).toBe(1);
    expect(lag.lagSeconds).toBeGreaterThanOrEqual(44);
    expect(lag.lagSeconds).toBeLessThan(70);
  });

  it("or how long the sweep is overdue when its last run is older than its one-minute period", async () => {
    await db.scheduledTaskRun.create({ data: { task: HEALTH_SWEEP_TASK, periodStart: ago(300_000), workerId: "w", finishedAt: ago(300_000) } });
    const lag = await healthSweepLag(db);
    expect(lag.lastSweepAt?.getTime()).toBeCloseTo(Date.now() - 300_000, -4);
    expect(lag.lagSeconds).toBeGreaterThanOrEqual(239);
    expect(lag.lagSeconds).toBeLessThan(260);
  });

  it("is 0 with nothing due and a recent sweep", async () => {
    await db.scheduledTaskRun.create({ data: { task: HEALTH_SWEEP_TASK, periodStart: ago(10_000), workerId: "w", finishedAt: ago(5_000) } });
    expect(await healthSweepLag(db)).toMatchObject({ lagSeconds: 0, dueChecks: 0 });
  });
});

describe("webhook failures", () => {
  it("counts deliveries that gave up within the window (by their last attempt) and those retrying after a failed attempt", async () => {
    const delivery = async (sourceId: string, status: "PENDING" | "DELIVERED" | "FAILED", attemptsAgoMs: number[]) => {
      const row = await db.webhookDelivery.create({ data: { kind: "health", eventType: "tenant.health.degraded", sourceId, url: "https://hooks.example.com/x", payload: {}, status, attempts: attemptsAgoMs.length } });
      for (const [i, agoMs] of attemptsAgoMs.entries()) await db.webhookAttempt.create({ data: { deliveryId: row.id, attempt: i + 1, at: ago(agoMs), httpStatus: 500, durationMs: 10 } });
    };
    const hour = 3_600_000;
    await delivery("1", "FAILED", [30 * hour, 2 * hour]); // gave up 2 hours ago
    await delivery("2", "FAILED", [3 * hour, 1 * hour]);
    await delivery("old", "FAILED", [50 * hour, (WEBHOOK_FAILURE_WINDOW_HOURS + 1) * hour]); // gave up yesterday: not counted
    await delivery("3", "PENDING", [60_000, 30_000]);
    await delivery("4", "PENDING", []);
    await delivery("5", "DELIVERED", [60_000]);
    expect(await webhookFailures(db)).toEqual({ failed: 2, retrying: 1 });
  });
});

describe("the fleet snapshot", () => {
  it("reads in one statement what the single reads give: workers, queues, ARM budgets, webhook failures, sweep lag", async () => {
    await db.workerHeartbeat.deleteMany();
    await db.workerHeartbeat.createMany({ data: [{ instanceId: "snap-2", hostname: "h2", pid: 2, startedAt: ago(60_000), lastSeenAt: ago(1_000) }, { instanceId: "snap-1", hostname: "h1", pid: 1, startedAt: ago(600_000), lastSeenAt: ago(90_000) }] });
    await job({ createdAt: ago(30_000) });
    await job({ kind: "ROTATE_KEY", runAfter: new Date(Date.now() + 60_000) });
    await boss.send(HEALTH_SCAN_QUEUE, { customerTenantId: "a" }, { startAfter: new Date(Date.now() - 45_000).toISOString() });
    await db.$executeRaw`INSERT INTO "ArmWriteBudget" ("subscriptionId", region, tokens, "refilledAt") VALUES ('sub-b', 'westeurope', 190, clock_timestamp() - interval '1 hour'), ('sub-a', 'northeurope', -3, clock_timestamp())`;
    const failed = await db.webhookDelivery.create({ data: { kind: "health", eventType: "tenant.health.degraded", sourceId: "snap", url: "https://hooks.example.com/x", payload: {}, status: "FAILED", attempts: 1 } });
    await db.webhookAttempt.create({ data: { deliveryId: failed.id, attempt: 1, at: ago(60_000), httpStatus: 500, durationMs: 10 } });
    await db.scheduledTaskRun.create({ data: { task: HEALTH_SWEEP_TASK, periodStart: ago(300_000), workerId: "w", finishedAt: ago(300_000) } });
    const limits = { bucketSize: 200, refillPerSecond: 10 };
    const snapshot = await fleetSnapshot(db, limits);
    const budgets = await armWriteBudgetLeft(db, limits);
    const sweep = await healthSweepLag(db);
    expect(snapshot).toEqual({
      beats: await workerHeartbeats(db),
      depths: (await queueDepths(db)).map((q) => ({ ...q, oldestDueSeconds: q.oldestDueSeconds === null ? null : expect.closeTo(q.oldestDueSeconds, 0) })),
      // Tokens refill with the clock between the two reads.
      budgets: budgets.map((b) => ({ ...b, tokens: expect.closeTo(b.tokens, 0) })),
      webhooks: await webhookFailures(db),
      sweep: { ...sweep, lagSeconds: expect.closeTo(sweep.lagSeconds, 0) },
    });
    expect(snapshot.beats.map((b) => b.instanceId)).toEqual(["snap-1", "snap-2"]);
    expect(snapshot.budgets.map((b) => b.subscriptionId)).toEqual(["sub-a", "sub-b"]);
    expect(snapshot.depths.map((q) => q.queue)).toEqual([HEALTH_SCAN_QUEUE, "PROVISION_DES", "ROTATE_KEY"].sort((a, b) => a.localeCompare(b)));
    expect(snapshot.sweep.lastSweepAt).toBeInstanceOf(Date);
    expect(snapshot.webhooks).toEqual({ failed: 1, retrying: 0 });
  });
});

describe("the fleet's reporter", () => {
  it("is the live worker that started first, so that N workers report the fleet's gauges once", () => {
    const now = new Date();
    const beats = [
      { instanceId: "dead-oldest", startedAt: ago(3_600_000), lastSeenAt: ago(60_000) },
      { instanceId: "w-old", startedAt: ago(600_000), lastSeenAt: ago(5_000) },
      { instanceId: "w-new", startedAt: ago(60_000), lastSeenAt: ago(1_000) },
    ];
    expect(isFleetReporter(beats, "w-old", now)).toBe(true);
    expect(isFleetReporter(beats, "w-new", now)).toBe(false);
    expect(isFleetReporter(beats, "dead-oldest", now)).toBe(false);
    expect(isFleetReporter([], "w-old", now)).toBe(false);
  });
});
