// Dashboards show the stored result of the last chain walk with its time; the walk runs again only when
// that result is older than the freshness window, whichever process asks.
import { afterAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { auditChainCheckAtMostEvery, lastAuditChainCheck } from "./chain-status";
import { recordAudit } from "./log";

const db = testDb();
afterAll(async () => {
  await db.$disconnect();
});

describe("auditChainCheckAtMostEvery", () => {
  it("stores the walk with its time and re-walks only once the stored result is stale", async () => {
    expect(await lastAuditChainCheck(db)).toBeNull();
    const t0 = new Date("2026-11-27T10:00:00Z");
    await recordAudit(db, { actorType: "SYSTEM", actorId: "status-test", action: "test.status_1", result: "SUCCESS" });
    const first = await auditChainCheckAtMostEvery(db, { freshMs: 5 * 60_000, now: () => t0 });
    expect(first).toMatchObject({ ok: true, checked: 1, checkpoints: 0, checkedAt: t0 });

    await recordAudit(db, { actorType: "SYSTEM", actorId: "status-test", action: "test.status_2", result: "SUCCESS" });
    const fourMinutesLater = new Date(t0.getTime() + 4 * 60_000);
    expect(await auditChainCheckAtMostEvery(db, { freshMs: 5 * 60_000, now: () => fourMinutesLater })).toMatchObject({ checked: 1, checkedAt: t0 });

    const sixMinutesLater = new Date(t0.getTime() + 6 * 60_000);
    expect(await auditChainCheckAtMostEvery(db, { freshMs: 5 * 60_000, now: () => sixMinutesLater })).toMatchObject({ checked: 2, checkedAt: sixMinutesLater });
    expect(await lastAuditChainCheck(db)).toMatchObject({ ok: true, checked: 2, checkedAt: sixMinutesLater });
  });
});
