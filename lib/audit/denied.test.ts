// Refused attempts are audited, but at most DENIED_AUDIT_LIMIT per actor, action and 10 minutes are stored one
// by one; then one summary event, and the rest only counted (in PostgreSQL, so across instances).
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import type { SessionUser } from "../auth/session-store";
import { approveRevocationAction } from "../support/actions";
import { DENIED_AUDIT_LIMIT, DENIED_AUDIT_WINDOW_MS, DENIED_SUMMARY_ACTION, recordDeniedAudit } from "./denied";
import { verifyAuditChain } from "./verify";

const db = testDb();

afterAll(async () => {
  await db.$disconnect();
});

const events = (actorId: string) => db.auditEvent.findMany({ where: { actorId }, orderBy: { seq: "asc" } });

describe("denied-attempt audit rows", () => {
  it("stores the first N of a burst, then one summary row; concurrent refusals are counted exactly", async () => {
    const actorId = randomUUID();
    const now = new Date();
    const outcomes = await Promise.all(Array.from({ length: DENIED_AUDIT_LIMIT + 15 }, () => recordDeniedAudit(db, { actorType: "CUSTOMER", actorId, action: "onboarding.select_vault.cross_tenant", targetType: "vault", targetId: "/subscriptions/x" }, now)));
    expect(outcomes.filter((o) => o === "recorded")).toHaveLength(DENIED_AUDIT_LIMIT);
    expect(outcomes.filter((o) => o === "summarised")).toHaveLength(1);
    const rows = await events(actorId);
    expect(rows.filter((r) => r.action === "onboarding.select_vault.cross_tenant" && r.result === "DENIED")).toHaveLength(DENIED_AUDIT_LIMIT);
    const summary = rows.filter((r) => r.action === DENIED_SUMMARY_ACTION);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ result: "DENIED", targetId: "onboarding.select_vault.cross_tenant", details: expect.objectContaining({ limit: DENIED_AUDIT_LIMIT }) });
    const counter = await db.deniedAttemptCounter.findFirstOrThrow({ where: { actorId } });
    expect(counter.count).toBe(DENIED_AUDIT_LIMIT + 15);

    // The next window starts afresh (and the old window's counter is cleaned up).
    const later = new Date(now.getTime() + DENIED_AUDIT_WINDOW_MS);
    expect(await recordDeniedAudit(db, { actorType: "CUSTOMER", actorId, action: "onboarding.select_vault.cross_tenant" }, later)).toBe("recorded");
    expect(await db.deniedAttemptCounter.count({ where: { actorId } })).toBe(1);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it("a server action refused for a missing role in a loop leaves at most N rows and one summary", async () => {
    const user: SessionUser = { idHash: randomUUID(), kind: "STAFF", tenantId: randomUUID(), userOid: randomUUID(), userName: "looping@skyline.example", displayName: "Loop", roles: ["Support"] };
    for (let i = 0; i < DENIED_AUDIT_LIMIT + 5; i += 1) {
      expect(await approveRevocationAction.run(user, { requestId: randomUUID() }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    }
    const rows = await events(user.userOid);
    expect(rows.filter((r) => r.action === "support.approve_revocation.denied")).toHaveLength(DENIED_AUDIT_LIMIT);
    expect(rows.filter((r) => r.action === DENIED_SUMMARY_ACTION)).toHaveLength(1);
  });
});
