// Server actions are limited before they run: over the limit, invokeAction returns a RATE_LIMITED result whose
// message the page shows. Consent actions count against the tighter consent limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { setAppEnvForTests } from "../testing/app-env";
import { bucketForAction, rateLimitAction } from "./action-guard";

beforeAll(() => {
  setAppEnvForTests({ RATE_LIMIT_REQUESTS: "3", RATE_LIMIT_CONSENT: "2", RATE_LIMIT_REQUESTS_PER_IP: "1000" });

// Close the app's pool before the file's database is dropped, or the dropped connections surface as errors.
afterAll(async () => {
  await db().$disconnect();
});
});

describe("rate limit of server actions", () => {
  it("lets the session's first requests run and refuses the next with how long to wait", async () => {
    const who = { sessionId: "action-session", ip: "203.0.113.40" };
    for (let i = 0; i < 3; i++) expect(await rateLimitAction("onboarding.verify", who)).toBeNull();
    const refused = await rateLimitAction("onboarding.select_key", who);
    expect(refused).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    expect(refused?.ok === false && refused.error.message).toMatch(/^Too many requests — wait \d+ seconds? and try again\.$/);
  });

  it("counts consent actions against the consent limit", async () => {
    expect(bucketForAction("consent.start")).toBe("consent");
    expect(bucketForAction("support.rotate_key")).toBe("request");
    const who = { sessionId: "consent-session", ip: "203.0.113.41" };
    expect(await rateLimitAction("consent.start", who)).toBeNull();
    expect(await rateLimitAction("consent.check", who)).toBeNull();
    expect(await rateLimitAction("consent.check", who)).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    // Ordinary actions of the same session are still allowed.
    expect(await rateLimitAction("onboarding.verify", who)).toBeNull();
  });
});
