// The audit chain is walked by the fleet's scheduled task, once per period whichever worker asks, and the
// stored result (with its time) is what dashboards read.
import { pino } from "pino";
import type PgBoss from "pg-boss";
import { afterAll, describe, expect, it } from "vitest";
import { AUDIT_CHAIN_VERIFY_PERIOD_MS, fleetTasks } from "../jobs/fleet-tasks";
import { runScheduledTask } from "../jobs/schedules";
import { testDb } from "../testing/db";
import { lastAuditChainCheck } from "./chain-status";
import { recordAudit } from "./log";

const db = testDb();
afterAll(async () => {
  await db.$disconnect();
});

const task = fleetTasks({ sweepIntervalMs: 1000, audit: {} }).find((t) => t.name === "audit-chain-verify")!;
const ctx = (workerId: string) => ({ db, boss: {} as PgBoss, log: pino({ level: "silent" }), signal: new AbortController().signal, workerId });

describe("the audit-chain-verify task", () => {
  it("stores the walk with its time, walks once per period across workers, and again in the next period", async () => {
    expect(await lastAuditChainCheck(db)).toBeNull();
    expect(task.periodMs).toBe(AUDIT_CHAIN_VERIFY_PERIOD_MS);
    const t0 = Math.floor(Date.now() / task.periodMs) * task.periodMs;
    await recordAudit(db, { actorType: "SYSTEM", actorId: "status-test", action: "test.status_1", result: "SUCCESS" });
    expect(await runScheduledTask(task, ctx("worker-a"), t0 + 1000)).toMatchObject({ ran: true, result: { ok: true, checked: 1 } });
    expect(await lastAuditChainCheck(db)).toMatchObject({ ok: true, checked: 1, checkpoints: 0 });

    await recordAudit(db, { actorType: "SYSTEM", actorId: "status-test", action: "test.status_2", result: "SUCCESS" });
    // Another worker, same period: nothing walks again.
    expect(await runScheduledTask(task, ctx("worker-b"), t0 + 2000)).toMatchObject({ ran: false });
    expect(await lastAuditChainCheck(db)).toMatchObject({ checked: 1 });

    expect(await runScheduledTask(task, ctx("worker-b"), t0 + task.periodMs)).toMatchObject({ ran: true, result: { checked: 2 } });
    expect(await lastAuditChainCheck(db)).toMatchObject({ ok: true, checked: 2 });
  });
});
