// The worker's side of the webhook outbox: claim a due delivery, sign it per Standard Webhooks
// (standardwebhooks: webhook-id, webhook-timestamp, webhook-signature), POST it, record the attempt, and retry
// with exponential backoff up to a bound. The id is the same on every attempt and the timestamp is signed, so a
// receiver can drop duplicates and refuse replays.
import type PgBoss from "pg-boss";
import { Webhook } from "standardwebhooks";
import type { Db } from "../db/client";
import type { WebhookDelivery } from "../db/generated/prisma/client";
import { serverEnv } from "../env";
import { wakeWebhookDelivery } from "./outbox";
import { webhookUrlProblem } from "./url";
import { customerWebhookSecret } from "./customer-secret";

export type WebhookRetryPolicy = {
  /** Attempts before a delivery is marked FAILED. */
  maxAttempts: number;
  /** Delay after the first failure; doubled after each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one attempt may take (also how long a claim holds the row). */
  timeoutMs: number;
};

/** 8 attempts over about 21 minutes: 10 s, 20 s, 40 s, … capped at 10 minutes. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { maxAttempts: 8, baseDelayMs: 10_000, maxDelayMs: 10 * 60_000, timeoutMs: 10_000 };

export function retryDelayMs(policy: WebhookRetryPolicy, failedAttempts: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** The signed body: Standard Webhooks' `{ type, timestamp, data }`. */
export function webhookBody(delivery: Pick<WebhookDelivery, "eventType" | "createdAt" | "payload">): string {
  return JSON.stringify({ type: delivery.eventType, timestamp: delivery.createdAt.toISOString(), data: delivery.payload });
}

export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

type Outcome = { ok: true; httpStatus: number } | { ok: false; httpStatus: number | null; error: string };

async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Outcome> {
  try {
    // A redirect is not followed: it could lead to plain http or another host.
    const response = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok ? { ok: true, httpStatus: response.status } : { ok: false, httpStatus: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    return { ok: false, httpStatus: null, error: err.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : `unreachable${err.cause?.code ? ` (${err.cause.code})` : ""}` };
  }
}

export type DeliveryResult = "delivered" | "retrying" | "failed" | "not-due";

/**
 * One attempt at one delivery, if it is due and no other worker holds it. Never throws for a receiver's
 * failure: the outbox row records it and a wake-up is queued for the retry.
 */
export async function deliverWebhook(db: Db, deliveryId: string, options: { boss?: PgBoss; policy?: WebhookRetryPolicy; now?: () => Date } = {}): Promise<DeliveryResult> {
  const policy = options.policy ?? DEFAULT_WEBHOOK_RETRY;
  const now = options.now ?? (() => new Date());
  const claimedAt = now();
  const [delivery] = await db.$queryRaw<WebhookDelivery[]>`
    UPDATE "WebhookDelivery" SET "lockedUntil" = ${new Date(claimedAt.getTime() + policy.timeoutMs + 5000)}, attempts = attempts + 1
    WHERE id = ${deliveryId}::uuid AND status = 'PENDING' AND "nextAttemptAt" <= ${claimedAt} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${claimedAt})
    RETURNING *`;
  if (!delivery) return "not-due";

  const env = serverEnv();
  // A customer's own webhook is signed with that tenant's secret; the provider's with WEBHOOK_SIGNING_SECRET.
  const secret = delivery.customerTenantId ? await customerWebhookSecret(db, delivery.customerTenantId) : env.WEBHOOK_SIGNING_SECRET;
  const problem = secret
    ? webhookUrlProblem(delivery.url, env.WEBHOOK_ALLOW_HTTP)
    : delivery.customerTenantId ? "the customer removed its webhook" : "WEBHOOK_SIGNING_SECRET is not set, and webhooks are never sent unsigned";
  const started = Date.now();
  const body = webhookBody(delivery);
  const outcome: Outcome = problem || !secret
    ? { ok: false, httpStatus: null, error: `Not sent: ${problem}` }
    : await post(delivery.url, signedHeaders(secret, delivery.id, now(), body), body, policy.timeoutMs);
  const durationMs = Date.now() - started;

  const final = outcome.ok || problem !== undefined || delivery.attempts >= policy.maxAttempts;
  const delayMs = retryDelayMs(policy, delivery.attempts);
  const status = outcome.ok ? "DELIVERED" : final ? "FAILED" : "PENDING";
  await db.$transaction([
    db.webhookAttempt.create({ data: { deliveryId: delivery.id, attempt: delivery.attempts, httpStatus: outcome.httpStatus, error: outcome.ok ? null : outcome.error, durationMs } }),
    db.webhookDelivery.update({
      where: { id: delivery.id },
      data: {
        status,
        lockedUntil: null,
        lastHttpStatus: outcome.httpStatus,
        lastError: outcome.ok ? null : outcome.error,
        ...(outcome.ok && { deliveredAt: now() }),
        ...(status === "PENDING" && { nextAttemptAt: new Date(now().getTime() + delayMs) }),
      },
    }),
    // A support notification keeps its own delivery state for the support console.
    ...(delivery.kind === "support" && status !== "PENDING"
      ? [db.customerNotification.updateMany({ where: { id: delivery.sourceId }, data: { webhookDelivery: outcome.ok ? "SENT" : "FAILED", webhookError: outcome.ok ? null : outcome.error } })]
      : []),
  ]);
  if (status === "PENDING" && options.boss) await wakeWebhookDelivery(options.boss, delivery.id, delayMs / 1000);
  return outcome.ok ? "delivered" : status === "FAILED" ? "failed" : "retrying";
}

/** Wakes every due delivery (lost wake-ups, a crashed worker's claims). The fleet's job sweep runs it. */
export async function wakeDueWebhooks(db: Db, boss: PgBoss, now = new Date(), limit = 500): Promise<number> {
  const due = await db.webhookDelivery.findMany({
    where: { status: "PENDING", nextAttemptAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
    select: { id: true },
    orderBy: { nextAttemptAt: "asc" },
    take: limit,
  });
  for (const { id } of due) await wakeWebhookDelivery(boss, id);
  return due.length;
}

export type WebhookDeliveryStats = {
  pending: number;
  failed: number;
  delivered: number;
  lastFailure: { queuedAt: Date; kind: string; eventType: string; error: string | null; attempts: number } | null;
};

/** For the operator dashboard and metrics: how many webhooks wait or failed, and the last failure's reason. */
export async function webhookDeliveryStats(db: Db): Promise<WebhookDeliveryStats> {
  const [counts, last] = await Promise.all([
    db.webhookDelivery.groupBy({ by: ["status"], _count: { _all: true } }),
    db.webhookDelivery.findFirst({ where: { status: "FAILED" }, orderBy: { createdAt: "desc" }, select: { createdAt: true, kind: true, eventType: true, lastError: true, attempts: true } }),
  ]);
  const count = (status: string) => counts.find((c) => c.status === status)?._count._all ?? 0;
  return {
    pending: count("PENDING"),
    failed: count("FAILED"),
    delivered: count("DELIVERED"),
    lastFailure: last && { queuedAt: last.createdAt, kind: last.kind, eventType: last.eventType, error: last.lastError, attempts: last.attempts },
  };
}
