// Rate limit of server actions, applied by invokeAction before the action runs (lib/auth/invoke.ts). Server
// actions always answer HTTP 200 to the client runtime, so the refusal is a typed RATE_LIMITED result whose
// message the page shows ("Too many requests — wait N seconds and try again").
import "server-only";
import { cookies, headers } from "next/headers";
import { db as defaultDb, type Db } from "../db/client";
import { logger } from "../logger";
import type { ActionResult } from "../auth/actions";
import { SESSION_COOKIE } from "../auth/session";
import { clientIp, consumeRateLimit, tooManyRequestsMessage, type RateBucket, type Requester } from "./rate-limit";

/** Consent actions share the tighter consent limit; every other action counts as an ordinary request. */
export function bucketForAction(actionName: string): RateBucket {
  return actionName.startsWith("consent.") ? "consent" : "request";
}

async function thisRequester(): Promise<Requester> {
  const [requestHeaders, jar] = await Promise.all([headers(), cookies()]);
  return { ip: clientIp(requestHeaders), sessionId: jar.get(SESSION_COOKIE)?.value };
}

/** The refusal for this request's session and IP, or null when the action may run. */
export async function rateLimitAction(actionName: string, requester?: Requester, database: Db = defaultDb()): Promise<ActionResult<never> | null> {
  const bucket = bucketForAction(actionName);
  const decision = await consumeRateLimit(database, bucket, requester ?? (await thisRequester()));
  if (decision.allowed) return null;
  logger.warn({ action: actionName, bucket, scope: decision.scope }, "rate limit reached");
  return {
    ok: false,
    error: {
      code: "RATE_LIMITED",
      message: tooManyRequestsMessage(decision.retryAfterSeconds),
      fix: "The portal limits how often one session or one network address may act, to protect the service.",
    },
  };
}
