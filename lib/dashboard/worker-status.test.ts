import pino from "pino";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { startHeartbeat } from "../jobs/heartbeat";
import { testDb } from "../testing/db";
import { formatAge, workerStatusForDashboard } from "./worker-status";

const db = testDb();

beforeEach(async () => {
  await db.workerHeartbeat.deleteMany();
});
afterAll(async () => {
  await db.$disconnect();
});

describe("workerStatusForDashboard", () => {
  it("says that jobs wait when no worker has ever beaten", async () => {
    expect(await workerStatusForDashboard(db)).toEqual({ running: false, text: "No worker has been seen — jobs will wait" });
  });

  it("shows how long ago a running worker was last seen", async () => {
    const heartbeat = await startHeartbeat(db, { instanceId: "dash-1", log: pino({ level: "silent" }), intervalMs: 60_000 });
    try {
      const seen = (await db.workerHeartbeat.findUniqueOrThrow({ where: { instanceId: "dash-1" } })).lastSeenAt;
      expect(await workerStatusForDashboard(db, new Date(seen.getTime() + 12_000))).toEqual({ running: true, text: "Worker last seen 12 s ago" });
      // Past the stale limit the worker counts as gone, and the last sighting is still shown.
      expect(await workerStatusForDashboard(db, new Date(seen.getTime() + 5 * 60_000))).toEqual({ running: false, text: "No worker has been seen — jobs will wait (last seen 5 min ago)" });
    } finally {
      await heartbeat.stop();
    }
  });

  it("counts the workers when several beat", async () => {
    const log = pino({ level: "silent" });
    const beats = [await startHeartbeat(db, { instanceId: "dash-a", log, intervalMs: 60_000 }), await startHeartbeat(db, { instanceId: "dash-b", log, intervalMs: 60_000 })];
    try {
      expect((await workerStatusForDashboard(db)).text).toMatch(/^Worker last seen \d+ s ago \(2 workers\)$/);
    } finally {
      for (const beat of beats) await beat.stop();
    }
  });
});

describe("formatAge", () => {
  it("uses the largest whole unit", () => {
    expect([formatAge(400), formatAge(59_400), formatAge(61_000), formatAge(2 * 3_600_000 + 5), formatAge(3 * 86_400_000)]).toEqual(["0 s", "59 s", "1 min", "2 h", "3 d"]);
  });
});
