import { beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { setAppEnvForTests } from "../testing/app-env";
import { createSession, destroySession, hashSessionId, loadActiveSession, readTokenVault, writeTokenVault } from "./session-store";

const db = testDb();
const identity = { tenantId: "aaaaaaaa-0000-4000-8000-00000000000a", objectId: "0e1b6a1c-1111-4aaa-8bbb-222233334444", userName: "admin@contoso.example", displayName: "Connie", roles: [] };
const minutes = (m: number, from: Date) => new Date(from.getTime() + m * 60_000);

beforeAll(() => setAppEnvForTests({ SESSION_IDLE_MINUTES: "30", SESSION_ABSOLUTE_HOURS: "12", STAFF_SESSION_REVALIDATE_MINUTES: "10" }));

describe("server-side sessions", () => {
  it("stores only a hash of the cookie value", async () => {
    const { sessionId } = await createSession(db, { kind: "CUSTOMER", identity, roles: ["CustomerAdmin"], apiToken: "api-token-1" });
    expect(await db.session.findUnique({ where: { idHash: sessionId } })).toBeNull();
    expect(await db.session.findUnique({ where: { idHash: hashSessionId(sessionId) } })).not.toBeNull();
  });

  it("keeps tokens encrypted at rest, bound to their session", async () => {
    const { sessionId, user } = await createSession(db, { kind: "CUSTOMER", identity, roles: [], apiToken: "secret-api-token" });
    const row = await db.session.findUniqueOrThrow({ where: { idHash: user.idHash } });
    expect(Buffer.from(row.tokenVault!).toString("latin1")).not.toContain("secret-api-token");
    await writeTokenVault(db, user.idHash, { apiToken: "secret-api-token", msalCache: '{"AccessToken":{}}' });
    expect(await readTokenVault(db, user.idHash)).toEqual({ apiToken: "secret-api-token", msalCache: '{"AccessToken":{}}' });
    // A vault copied onto another session does not open there.
    const other = await createSession(db, { kind: "CUSTOMER", identity, roles: [], apiToken: "x" });
    await db.session.update({ where: { idHash: other.user.idHash }, data: { tokenVault: row.tokenVault } });
    await expect(readTokenVault(db, other.user.idHash)).rejects.toThrow();
    await destroySession(db, sessionId);
    expect(await readTokenVault(db, user.idHash)).toBeNull();
  });

  it("expires after the idle timeout and after the absolute lifetime", async () => {
    const start = new Date();
    const idle = await createSession(db, { kind: "CUSTOMER", identity, roles: [], apiToken: "t" }, start);
    expect(await loadActiveSession(db, idle.sessionId, minutes(29, start))).not.toBeNull();
    expect(await loadActiveSession(db, idle.sessionId, minutes(29 + 31, start))).toBeNull();
    expect(await db.session.findUnique({ where: { idHash: idle.user.idHash } })).toBeNull();

    const busy = await createSession(db, { kind: "CUSTOMER", identity, roles: ["Customer.Admin"], apiToken: "t" }, start);
    let now = start;
    for (let i = 0; i < 26; i++) {
      now = minutes(29, now);
      const alive = await loadActiveSession(db, busy.sessionId, now);
      if (now.getTime() - start.getTime() >= 12 * 3_600_000) expect(alive).toBeNull();
      else expect(alive).not.toBeNull();
    }
  });

  it("ends staff sessions after STAFF_SESSION_REVALIDATE_MINUTES, so roles are read from a new token", async () => {
    const start = new Date();
    const staff = await createSession(db, { kind: "STAFF", identity, roles: ["Support"], apiToken: "t" }, start);
    const customer = await createSession(db, { kind: "CUSTOMER", identity, roles: ["Customer.Admin"], apiToken: "t" }, start);
    expect(await loadActiveSession(db, staff.sessionId, minutes(9, start))).not.toBeNull();
    expect(await loadActiveSession(db, staff.sessionId, minutes(11, start))).toBeNull();
    expect(await db.session.findUnique({ where: { idHash: staff.user.idHash } })).toBeNull();
    expect(await loadActiveSession(db, customer.sessionId, minutes(11, start))).not.toBeNull();
  });
});
