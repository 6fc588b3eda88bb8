// The rate-limit counter is shared through PostgreSQL: two clients (two portal instances) on one database see
// one count, and concurrent requests cannot slip past the limit between a read and a write.
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { testDatabaseUrl } from "../testing/db";
import { clientIp, consumeRateLimit, tooManyRequestsMessage, type RateLimits } from "./rate-limit";

const instanceA = createPrismaClient(testDatabaseUrl());
const instanceB = createPrismaClient(testDatabaseUrl());

afterAll(async () => {
  await Promise.all([instanceA.$disconnect(), instanceB.$disconnect()]);
});

const LIMITS: RateLimits = { windowSeconds: 60, perSession: 3, perIp: 5 };
// 10 s into a window, so 50 s remain.
const NOW = new Date(Date.UTC(2026, 10, 27, 12, 0, 10));

describe("rate-limit counters in PostgreSQL", () => {
  it("counts one session across two instances and refuses the request over the limit with the time left", async () => {
    const who = { sessionId: "session-shared", ip: "203.0.113.1" };
    expect(await consumeRateLimit(instanceA, "request", who, LIMITS, NOW)).toEqual({ allowed: true });
    expect(await consumeRateLimit(instanceB, "request", who, LIMITS, NOW)).toEqual({ allowed: true });
    expect(await consumeRateLimit(instanceA, "request", who, LIMITS, NOW)).toEqual({ allowed: true });
    expect(await consumeRateLimit(instanceB, "request", who, LIMITS, NOW)).toEqual({ allowed: false, retryAfterSeconds: 50, scope: "session" });
    // Another session is not affected, and the next window starts afresh.
    expect(await consumeRateLimit(instanceB, "request", { sessionId: "session-other" }, LIMITS, NOW)).toEqual({ allowed: true });
    expect(await consumeRateLimit(instanceA, "request", who, LIMITS, new Date(NOW.getTime() + 50_000))).toEqual({ allowed: true });
  });

  it("limits an IP across sessions, and keeps buckets apart", async () => {
    const ip = "198.51.100.7";
    for (let i = 0; i < 5; i++) expect((await consumeRateLimit(i % 2 ? instanceA : instanceB, "signin", { ip, sessionId: `s${i}` }, LIMITS, NOW)).allowed).toBe(true);
    expect(await consumeRateLimit(instanceA, "signin", { ip, sessionId: "s-new" }, LIMITS, NOW)).toMatchObject({ allowed: false, scope: "ip" });
    expect(await consumeRateLimit(instanceA, "consent", { ip }, LIMITS, NOW)).toEqual({ allowed: true });
  });

  it("lets exactly the limit through when both instances are hit at once (atomic upsert)", async () => {
    const who = { sessionId: "session-burst" };
    const burst = { windowSeconds: 60, perSession: 10, perIp: 100 };
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => consumeRateLimit(i % 2 ? instanceA : instanceB, "request", who, burst, NOW)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it("stores neither session ids nor IPs, and drops windows that ended long ago", async () => {
    await consumeRateLimit(instanceA, "request", { sessionId: "secret-session-id", ip: "192.0.2.55" }, LIMITS, NOW);
    const keys = (await instanceA.rateLimitCounter.findMany()).map((row) => row.key).join(" ");
    expect(keys).not.toContain("secret-session-id");
    expect(keys).not.toContain("192.0.2.55");
    await consumeRateLimit(instanceB, "request", { sessionId: "later" }, LIMITS, new Date(NOW.getTime() + 3_600_000));
    expect(await instanceA.rateLimitCounter.count({ where: { windowStart: { lt: new Date(NOW.getTime() + 3_000_000) } } })).toBe(0);
  });

  it("says how long to wait, and takes the client IP from the closest proxy", () => {
    expect(tooManyRequestsMessage(42)).toBe("Too many requests — wait 42 seconds and try again.");
    expect(clientIp(new Headers({ "x-forwarded-for": "10.0.0.1, 203.0.113.9" }))).toBe("203.0.113.9");
    expect(clientIp(new Headers())).toBeNull();
    // App Service adds the client's source port, which changes per connection: the limit is per address.
    expect(clientIp(new Headers({ "x-forwarded-for": "203.0.113.9:51234" }))).toBe("203.0.113.9");
    expect(clientIp(new Headers({ "x-forwarded-for": "[2001:db8::7]:51234" }))).toBe("2001:db8::7");
    expect(clientIp(new Headers({ "x-forwarded-for": "2001:db8::7" }))).toBe("2001:db8::7");
  });
});
