import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHeartbeat } from "@/lib/jobs/heartbeat";
import { setAppEnvForTests } from "@/lib/testing/app-env";
import { testDb } from "@/lib/testing/db";
import { GET } from "./route";

const db = testDb();

beforeAll(() => setAppEnvForTests());
afterAll(async () => {
  await db.$disconnect();
});

describe("GET /api/health", () => {
  it("answers 503 degraded without a worker heartbeat, 200 ok with one", async () => {
    const without = await GET();
    expect(without.status).toBe(503);
    expect(await without.json()).toEqual({ status: "degraded", reasons: ["no worker heartbeat yet: no job worker is running"] });

    const heartbeat = await startHeartbeat(db, { instanceId: "route-test", log: pino({ level: "silent" }), intervalMs: 60_000 });
    try {
      const withWorker = await GET();
      expect(withWorker.status).toBe(200);
      expect(await withWorker.json()).toEqual({ status: "ok" });
    } finally {
      await heartbeat.stop();
    }
  });
});
