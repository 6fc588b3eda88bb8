// Rate limits per session and per client IP, counted in PostgreSQL so that every instance of the portal shares
// them. Fixed windows: one row per key and window, incremented by a single atomic upsert (no read-then-write).
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import { serverEnv, type ServerEnv } from "../env";

/**
 * What is being limited: sign-in and consent have tighter limits than ordinary server actions and API calls.
 * "api" is /api/v1, whose "session" is the caller's Entra tenant: all of a tenant's pipelines and people share it.
 */
export type RateBucket = "signin" | "consent" | "request" | "api";

export type RateLimits = { windowSeconds: number; perSession: number; perIp: number };

export type Requester = { ip?: string | null; sessionId?: string | null };

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; scope: "ip" | "session" };

export function rateLimitsFor(bucket: RateBucket, env: ServerEnv = serverEnv()): RateLimits {
  const windowSeconds = env.RATE_LIMIT_WINDOW_SECONDS;
  switch (bucket) {
    case "signin":
      return { windowSeconds, perSession: env.RATE_LIMIT_SIGNIN, perIp: env.RATE_LIMIT_SIGNIN };
    case "consent":
      return { windowSeconds, perSession: env.RATE_LIMIT_CONSENT, perIp: env.RATE_LIMIT_CONSENT };
    case "request":
      return { windowSeconds, perSession: env.RATE_LIMIT_REQUESTS, perIp: env.RATE_LIMIT_REQUESTS_PER_IP };
    case "api":
      return { windowSeconds, perSession: env.RATE_LIMIT_API_PER_TENANT, perIp: env.RATE_LIMIT_REQUESTS_PER_IP };
  }
}

/** Neither IPs nor session ids are stored as such: a counter table must not become a list of live session ids. */
function counterKey(bucket: RateBucket, scope: "ip" | "session", value: string): string {
  return `${bucket}:${scope}:${createHash("sha256").update(value).digest("base64url")}`;
}

/**
 * Counts one request against the requester's IP and session in the current window and says whether it may pass.
 * Refused requests count too, so hammering does not shorten the wait.
 */
export async function consumeRateLimit(database: Db, bucket: RateBucket, who: Requester, limits: RateLimits = rateLimitsFor(bucket), now = new Date()): Promise<RateDecision> {
  const windowMs = limits.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const keys: { scope: "ip" | "session"; key: string; limit: number }[] = [];
  if (who.sessionId) keys.push({ scope: "session", key: counterKey(bucket, "session", who.sessionId), limit: limits.perSession });
  if (who.ip) keys.push({ scope: "ip", key: counterKey(bucket, "ip", who.ip), limit: limits.perIp });
  if (keys.length === 0) return { allowed: true };

  const rows = await database.$queryRawUnsafe<{ key: string; count: number }[]>(
    `INSERT INTO "RateLimitCounter" ("key", "windowStart", "count")
     SELECT k, $1::timestamp(3), 1 FROM unnest($2::text[]) AS k
     ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateLimitCounter"."count" + 1
     RETURNING "key", "count"`,
    windowStart,
    keys.map((k) => k.key),
  );
  if (rows.some((row) => row.count === 1)) {
    // A key started a new window: drop windows that ended long ago (cheap, indexed; keeps the table small).
    await database.$executeRawUnsafe(`DELETE FROM "RateLimitCounter" WHERE "windowStart" < $1::timestamp(3)`, new Date(windowStart.getTime() - windowMs));
  }
  const counts = new Map(rows.map((row) => [row.key, Number(row.count)]));
  const over = keys.find((k) => (counts.get(k.key) ?? 0) > k.limit);
  if (!over) return { allowed: true };
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
  return { allowed: false, retryAfterSeconds, scope: over.scope };
}

/** The person-facing sentence for a refused request. */
export function tooManyRequestsMessage(retryAfterSeconds: number): string {
  return `Too many requests — wait ${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"} and try again.`;
}

/** App Service writes `address:port`, IPv6 as `[address]:port`: the port changes per connection, the client does not. */
function withoutPort(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  return v4 ? v4[1]! : address;
}

/**
 * The client's IP as the closest proxy saw it: the last X-Forwarded-For entry (App Service and Front Door append the
 * address they received the request from; Next.js sets it from the socket when no proxy did).
 */
export function clientIp(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded?.split(",").map((part) => part.trim()).filter(Boolean).at(-1) ?? headers.get("x-real-ip");
  return last ? withoutPort(last) : null;
}
