import { beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { setAppEnvForTests } from "../testing/app-env";
import { createSession, readTokenVault, writeTokenVault } from "./session-store";
import { purgeExpiredSessions } from "./session-purge";
import { consumeSignInNonce, issueSignInNonce } from "./sign-in-nonce";

const db = testDb();
const identity = { tenantId: "aaaaaaaa-0000-4000-8000-00000000000a", objectId: "0e1b6a1c-1111-4aaa-8bbb-222233334444", userName: "admin@contoso.example", displayName: "Connie", roles: [] };
const hours = (h: number, from: Date) => new Date(from.getTime() + h * 3_600_000);

beforeAll(() => setAppEnvForTests({ SESSION_IDLE_MINUTES: "30", SESSION_ABSOLUTE_HOURS: "12", STAFF_SESSION_REVALIDATE_MINUTES: "10" }));

describe("purgeExpiredSessions", () => {
  it("deletes idle, absolutely expired and stale staff sessions with their token caches (and expired nonces), and keeps live ones", async () => {
    await db.session.deleteMany();
    const now = new Date("2026-11-27T12:00:00Z");
    const pastAbsolute = await createSession(db, { kind: "STAFF", identity, roles: ["Operator"], apiToken: "t1" }, hours(-13, now));
    const idle = await createSession(db, { kind: "CUSTOMER", identity, roles: [], apiToken: "t2" }, hours(-1, now));
    const staleStaff = await createSession(db, { kind: "STAFF", identity, roles: ["Support"], apiToken: "t4" }, new Date(now.getTime() - 15 * 60_000));
    const expiredNonce = await issueSignInNonce(db, new Date(now.getTime() - 11 * 60_000));
    const live = await createSession(db, { kind: "CUSTOMER", identity, roles: [], apiToken: "t3" }, new Date(now.getTime() - 5 * 60_000));
    await writeTokenVault(db, idle.user.idHash, { apiToken: "t2", msalCache: '{"RefreshToken":{}}' });

    expect(await purgeExpiredSessions(db, now)).toBe(3);
    expect(await db.session.findUnique({ where: { idHash: staleStaff.user.idHash } })).toBeNull();
    await expect(consumeSignInNonce(db, expiredNonce, new Date(now.getTime() - 10 * 60_000))).rejects.toThrow(/already completed/);

    expect(await db.session.findUnique({ where: { idHash: pastAbsolute.user.idHash } })).toBeNull();
    expect(await readTokenVault(db, idle.user.idHash)).toBeNull();
    expect(await readTokenVault(db, live.user.idHash)).toEqual({ apiToken: "t3" });
    expect(await purgeExpiredSessions(db, now)).toBe(0);
  });
});
