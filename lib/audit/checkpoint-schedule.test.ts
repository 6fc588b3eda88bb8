// Checkpoints are signed by the job worker, once per interval for the whole fleet: the audit-checkpoint task
// (lib/jobs/fleet-tasks.ts) runs in whichever worker claims the interval first.
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startWorker, type RunningWorker } from "../jobs/worker";
import { testDatabaseUrl, testDb } from "../testing/db";
import { generateAuditSigningKeyText, parseAuditSigningKey } from "./checkpoint-key";
import { recordAudit } from "./log";

const db = testDb();
const workers: RunningWorker[] = [];

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await db.$disconnect();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the checkpoint schedule", () => {
  it("two workers sign one checkpoint per interval between them", async () => {
    for (let i = 0; i < 3; i += 1) await recordAudit(db, { actorType: "SYSTEM", actorId: "schedule-test", action: `test.schedule_${i}`, result: "SUCCESS" });
    const key = parseAuditSigningKey(generateAuditSigningKeyText());
    for (let i = 0; i < 2; i += 1) {
      workers.push(await startWorker({
        databaseUrl: testDatabaseUrl(), concurrency: 1, leaseSeconds: 30, healthIntervalMinutes: 15, scheduleHealth: false, queuePollingSeconds: 0.5,
        auditCheckpoint: { key, intervalMinutes: 60 }, log: pino({ level: "silent" }),
      }));
    }
    const checkpoints = await until(() => db.auditCheckpoint.findMany(), (rows) => rows.length > 0);
    expect(checkpoints).toMatchObject([{ headSeq: 3n, eventCount: 3n, keyId: key.keyId }]);
    // Both workers started and ran their start-up round; give them a little longer, then count the runs.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await db.scheduledTaskRun.count({ where: { task: "audit-checkpoint" } })).toBe(1);
    expect(await db.auditCheckpoint.count()).toBe(1);
  }, 60_000);
});
