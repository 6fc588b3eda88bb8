import pino from "pino";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabaseUrl, testDb } from "../testing/db";
import { HEARTBEAT_STALE_MS, jobEngineStatus, readiness, startHeartbeat } from "./heartbeat";
import { startWorker } from "./worker";

const db = testDb();
const log = pino({ level: "silent" });

beforeEach(async () => {
  await db.workerHeartbeat.deleteMany();
});
afterAll(async () => {
  await db.$disconnect();
});

async function until(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    if (await probe()) return;
  }
  throw new Error("timed out");
}

describe("worker heartbeat and readiness", () => {
  it("is degraded while no worker has ever beaten", async () => {
    expect(await readiness(db)).toEqual({ status: "degraded", reasons: ["no worker heartbeat yet: no job worker is running"] });
  });

  it("is ok while a worker beats, and degraded once its last beat is older than 30 s", async () => {
    const heartbeat = await startHeartbeat(db, { instanceId: "worker-a", log, intervalMs: 60_000 });
    try {
      expect(await readiness(db)).toEqual({ status: "ok" });
      const { lastSeenAt } = await db.workerHeartbeat.findUniqueOrThrow({ where: { instanceId: "worker-a" } });
      const later = new Date(lastSeenAt.getTime() + HEARTBEAT_STALE_MS + 1_000);
      expect(await readiness(db, later)).toEqual({ status: "degraded", reasons: ["no worker heartbeat for 30 s"] });
      expect(await jobEngineStatus(db, later)).toEqual({ running: false, lastSeenAt, reason: "no worker heartbeat for 30 s" });
    } finally {
      await heartbeat.stop();
    }
  });

  it("refreshes the row on every beat and removes it on a clean stop", async () => {
    const heartbeat = await startHeartbeat(db, { instanceId: "worker-b", log, intervalMs: 50 });
    const first = await db.workerHeartbeat.findUniqueOrThrow({ where: { instanceId: "worker-b" } });
    expect(first).toMatchObject({ pid: process.pid });
    await until(async () => (await db.workerHeartbeat.findUniqueOrThrow({ where: { instanceId: "worker-b" } })).lastSeenAt > first.lastSeenAt);
    await heartbeat.stop();
    expect(await db.workerHeartbeat.count()).toBe(0);
    expect((await jobEngineStatus(db)).running).toBe(false);
  });

  it("is written by a running worker and removed when it stops", async () => {
    const worker = await startWorker({ databaseUrl: testDatabaseUrl(), concurrency: 1, leaseSeconds: 30, healthIntervalMinutes: 15, scheduleHealth: false, log });
    try {
      expect(await db.workerHeartbeat.findMany({ select: { instanceId: true } })).toEqual([{ instanceId: worker.id }]);
      expect(await readiness(db)).toEqual({ status: "ok" });
    } finally {
      await worker.stop();
    }
    expect(await db.workerHeartbeat.count()).toBe(0);
  });

  it("reports the database as unavailable when it cannot be queried", async () => {
    const broken = { workerHeartbeat: { count: () => Promise.reject(new Error("connection refused")), findFirst: () => Promise.reject(new Error("connection refused")) } };
    expect(await readiness(broken as unknown as typeof db)).toEqual({ status: "database unavailable" });
  });
});
