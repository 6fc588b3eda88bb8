// The fleet panel's view: live and silent workers, queues with work waiting (a scheduled task's next-period message
// is not work), the oldest queued job, and a clear message instead of numbers when the database does not answer.
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { openQueue } from "../jobs/queue";
import { setAppEnvForTests } from "../testing/app-env";
import { testDatabaseUrl, testDb } from "../testing/db";
import { fleetPanelForDashboard } from "./panel";

const db = testDb();
let boss: PgBoss;
const ago = (ms: number) => new Date(Date.now() - ms);

beforeAll(async () => {
  setAppEnvForTests({ ARM_WRITE_BUCKET_SIZE: "150" });
  boss = await openQueue({ connectionString: testDatabaseUrl(), role: "client", poolSize: 1 });
});

afterAll(async () => {
  await boss.stop({ graceful: false, wait: true });
});

describe("the fleet panel", () => {
  it("lists workers with their heartbeat, the queues with work waiting and the oldest queued job", async () => {
    await db.workerHeartbeat.createMany({
      data: [
        { instanceId: "worker-1-aaaaaaaa", hostname: "host-a", pid: 1, startedAt: ago(600_000), lastSeenAt: ago(3_000) },
        { instanceId: "worker-2-bbbbbbbb", hostname: "host-b", pid: 2, startedAt: ago(900_000), lastSeenAt: ago(120_000) },
      ],
    });
    await db.job.create({ data: { kind: "PROVISION_DES", idempotencyKey: "panel-1", payload: {}, createdAt: ago(95_000) } });
    await db.job.create({ data: { kind: "ROTATE_KEY", idempotencyKey: "panel-2", payload: {}, runAfter: new Date(Date.now() + 600_000) } });
    await boss.send("every_job_sweep", {}, { startAfter: 60 });
    const panel = await fleetPanelForDashboard(db);
    if (!panel.ok) throw new Error(panel.message);
    expect(panel.workers.map((w) => [w.instanceId, w.alive])).toEqual([["worker-2-bbbbbbbb", false], ["worker-1-aaaaaaaa", true]]);
    expect(panel.queues.map((q) => [q.queue, q.due, q.delayed])).toEqual([["PROVISION_DES", 1, 0], ["ROTATE_KEY", 0, 1]]);
    expect(panel.queuedNow).toBe(1);
    expect(panel.oldestQueued?.queue).toBe("PROVISION_DES");
    expect(panel.oldestQueued?.seconds).toBeGreaterThanOrEqual(94);
    expect(panel.arm).toEqual({ budgets: [], bucketSize: 150 });
    expect(panel.webhooks).toEqual({ failed: 0, retrying: 0 });
    expect(panel.sweep).toMatchObject({ lagSeconds: 0, lastSweepAt: null, lastSweepSecondsAgo: null });
  });

  it("says the fleet's state is unavailable when the database does not answer", async () => {
    const unreachable = createPrismaClient("postgresql://postgres@127.0.0.1:1/nowhere");
    expect(await fleetPanelForDashboard(unreachable)).toEqual({ ok: false, message: "The fleet's state is unavailable: the database did not answer." });
  });
});
