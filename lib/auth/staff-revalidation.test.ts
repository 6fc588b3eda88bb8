// A staff member loses a role in Entra: within STAFF_SESSION_REVALIDATE_MINUTES their session ends, and the
// sign-in that replaces it carries the roles the new token says (against the simulator's Entra).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { PERSONAS } from "../../e2e/azure-sim/seed";
import { portalApiToken } from "../../e2e/azure-sim/testing";
import { testDb } from "../testing/db";
import { startSimForTests } from "../testing/sim";
import { setAppEnvForTests } from "../testing/app-env";
import { defineStaffAction } from "./actions";
import { staffRolesFromClaim } from "./roles";
import { createSession, loadActiveSession } from "./session-store";
import { verifyPortalAccessToken } from "./token-validation";

const db = testDb();
let sim: SimHandle;
const supportOnly = defineStaffAction("test.support_only", ["Support"], z.object({}), async () => "done");

beforeAll(async () => {
  sim = await startSimForTests();
  setAppEnvForTests({ ...sim.appEnv(), STAFF_SESSION_REVALIDATE_MINUTES: "10" });
});
afterAll(() => sim.stop());

async function signInStaff(now: Date) {
  const apiToken = await portalApiToken(sim, "support");
  const identity = await verifyPortalAccessToken(apiToken);
  return createSession(db, { kind: "STAFF", identity, roles: staffRolesFromClaim(identity.roles), apiToken }, now);
}

describe("staff roles are re-read from Entra", () => {
  it("ends the session after 10 minutes; the next sign-in no longer has the removed role", async () => {
    const start = new Date();
    const { sessionId } = await signInStaff(start);
    const fresh = await loadActiveSession(db, sessionId, new Date(start.getTime() + 5 * 60_000));
    expect(await supportOnly.run(fresh, {}, db)).toEqual({ ok: true, data: "done" });

    const user = sim.state.users.get(PERSONAS.support.oid);
    if (!user) throw new Error("no support persona");
    user.appRoles = [];

    const later = await loadActiveSession(db, sessionId, new Date(start.getTime() + 11 * 60_000));
    expect(later).toBeNull();
    expect(await supportOnly.run(later, {}, db)).toMatchObject({ ok: false, error: { code: "UNAUTHENTICATED" } });

    const again = await signInStaff(new Date());
    expect(again.user.roles).toEqual([]);
    expect(await supportOnly.run(again.user, {}, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });
});
