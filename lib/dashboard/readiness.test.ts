// Dashboards read the fleet's stored checks; they never run one themselves.
import { afterAll, describe, expect, it } from "vitest";
import { PROVIDER_READINESS_TASK } from "../jobs/schedules";
import { testDb } from "../testing/db";
import { auditChainForDashboard, providerReadinessForDashboard } from "./readiness";

const db = testDb();
afterAll(async () => {
  await db.$disconnect();
});

describe("dashboard checks", () => {
  it("show nothing before the fleet's first run, then the newest finished report with its time", async () => {
    expect(await providerReadinessForDashboard(db)).toBeNull();
    expect(await auditChainForDashboard(db)).toBeNull();
    const older = new Date("2026-11-27T10:00:00Z");
    const newer = new Date("2026-11-27T10:05:00Z");
    const item = { id: "fic-match", title: "Federated credential", ok: false, detail: "none", fix: "add one" };
    await db.scheduledTaskRun.create({ data: { task: PROVIDER_READINESS_TASK, periodStart: older, workerId: "w1", finishedAt: older, result: { ok: false, checkedAt: older.toISOString(), items: [item] } } });
    await db.scheduledTaskRun.create({ data: { task: PROVIDER_READINESS_TASK, periodStart: newer, workerId: "w2", finishedAt: newer, result: { ok: true, checkedAt: newer.toISOString(), items: [] } } });
    // A run still under way (claimed, not finished) is not shown.
    await db.scheduledTaskRun.create({ data: { task: PROVIDER_READINESS_TASK, periodStart: new Date("2026-11-27T10:10:00Z"), workerId: "w3" } });
    expect(await providerReadinessForDashboard(db)).toEqual({ ok: true, checkedAt: newer, items: [] });
  });

  it("say 'unavailable' instead of failing the page when the database cannot be read", async () => {
    const broken = { scheduledTaskRun: { findFirst: () => Promise.reject(new Error("connection refused")) }, auditChainCheck: { findUnique: () => Promise.reject(new Error("connection refused")) } } as unknown as typeof db;
    expect(await providerReadinessForDashboard(broken)).toMatchObject({ ok: false, unavailable: true });
    expect(await auditChainForDashboard(broken)).toMatchObject({ ok: false, unavailable: true });
  });
});
