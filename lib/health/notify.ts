// Health notifications to the provider's webhook: JSON signed with HMAC-SHA256, delivered (and retried with
// backoff) by the job queue so a slow or failing receiver never blocks a health check.
import { createHmac, timingSafeEqual } from "node:crypto";
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import { serverEnv } from "../env";
import { WEBHOOK_QUEUE } from "../jobs/queue";
import { describeHealthCause } from "./causes";

export type HealthNotification = {
  /** The HealthEvent id: receivers de-duplicate retries with it. */
  eventId: string;
  type: "tenant.health.degraded" | "tenant.health.unreachable" | "tenant.health.revoked_by_customer" | "tenant.health.recovered";
  occurredAt: string;
  tenant: { id: string; tenantId: string; displayName: string };
  fromState: string;
  toState: string;
  cause: string | null;
  title: string | null;
  customerFix: string | null;
  detail: string | null;
};

export const SIGNATURE_HEADER = "x-cmk-signature";
export const TIMESTAMP_HEADER = "x-cmk-timestamp";
export const EVENT_ID_HEADER = "x-cmk-event-id";

/** `sha256=<hex>` over `<timestamp>.<body>`: binding the time lets receivers refuse replays. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function notificationFor(event: { id: string; occurredAt: Date; fromState: string; toState: string; cause: string | null; detail: string | null }, tenant: { id: string; tenantId: string; displayName: string }): HealthNotification {
  const info = event.cause ? describeHealthCause(event.cause) : null;
  return {
    eventId: event.id,
    type:
      event.toState === "KEY_UNREACHABLE" ? "tenant.health.unreachable"
      : event.toState === "DEGRADED" ? "tenant.health.degraded"
      : event.toState === "REVOKED" ? "tenant.health.revoked_by_customer"
      : "tenant.health.recovered",
    occurredAt: event.occurredAt.toISOString(),
    tenant,
    fromState: event.fromState,
    toState: event.toState,
    cause: event.cause,
    title: info?.title ?? null,
    customerFix: info?.customerFix ?? null,
    detail: event.detail,
  };
}

/** Where notifications go: the provider configuration's webhook, else NOTIFY_WEBHOOK_URL. */
async function webhookTarget(db: Db): Promise<{ url: string; secret: string } | undefined> {
  const env = serverEnv();
  const config = await db.providerConfig.findFirst({ where: { tenantId: env.PROVIDER_TENANT_ID }, select: { notifyWebhookUrl: true } });
  const url = config?.notifyWebhookUrl ?? env.NOTIFY_WEBHOOK_URL;
  if (!url || !env.NOTIFY_WEBHOOK_SECRET) return undefined;
  return { url, secret: env.NOTIFY_WEBHOOK_SECRET };
}

export async function queueHealthNotification(boss: PgBoss, notification: HealthNotification): Promise<void> {
  // The event id doubles as the queue message id: the same event is queued once.
  await boss.send(WEBHOOK_QUEUE, notification, { id: notification.eventId });
}

/** One delivery attempt; throws on failure so the queue retries it with backoff. */
export async function deliverHealthNotification(db: Db, notification: HealthNotification): Promise<"sent" | "not-configured"> {
  const target = await webhookTarget(db);
  if (!target) return "not-configured";
  const body = JSON.stringify(notification);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(target.url, {
    method: "POST",
    headers: { "content-type": "application/json", [TIMESTAMP_HEADER]: timestamp, [EVENT_ID_HEADER]: notification.eventId, [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`Webhook answered HTTP ${response.status}`);
  return "sent";
}
