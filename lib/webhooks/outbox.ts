// The one way a webhook leaves the portal: a row in the webhook outbox (WebhookDelivery), written with the
// record it announces (in the same transaction when the caller passes one), then signed and posted by a
// worker (delivery.ts). Nothing else POSTs a webhook.
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import type { Prisma } from "../db/generated/prisma/client";
import { serverEnv } from "../env";
import { WEBHOOK_QUEUE } from "../jobs/queue";
import { webhookUrlProblem } from "./url";

/** A Prisma client or an interactive transaction's client. */
export type DbWriter = Db | Prisma.TransactionClient;

export type WebhookKind = "health" | "support" | "key-expiry" | "customer-key-expiry";

export type WebhookMessage = {
  kind: WebhookKind;
  /** The Standard Webhooks `type`, e.g. tenant.health.degraded. */
  eventType: string;
  /** The record the webhook announces: one webhook per record, however often this is called. */
  sourceId: string;
  data: Prisma.InputJsonObject;
};

/** The wake-up message of one delivery; duplicates are harmless (a delivery is claimed before each attempt). */
export type WebhookWake = { deliveryId: string };

export type QueuedWebhook = { id: string; status: "PENDING" | "FAILED" } | null;

/** The provider's webhook: ProviderConfig.notifyWebhookUrl, else NOTIFY_WEBHOOK_URL; undefined when neither is set. */
async function providerWebhookUrl(db: DbWriter): Promise<string | undefined> {
  const env = serverEnv();
  const config = await db.providerConfig.findFirst({ where: { tenantId: env.PROVIDER_TENANT_ID }, select: { notifyWebhookUrl: true } });
  return config?.notifyWebhookUrl ?? env.NOTIFY_WEBHOOK_URL;
}

/** Why the provider's webhook cannot be sent to `url`, or undefined when it can. */
function targetProblem(url: string): string | undefined {
  const env = serverEnv();
  if (!env.WEBHOOK_SIGNING_SECRET) return "WEBHOOK_SIGNING_SECRET is not set, and webhooks are never sent unsigned: set a whsec_ secret shared with the receiver";
  return webhookUrlProblem(url, env.WEBHOOK_ALLOW_HTTP);
}

/**
 * Puts a webhook to the provider's endpoint in the outbox. Returns null when no webhook is configured. A
 * configured but unusable target (plain http outside the demo, no signing secret) is recorded as a FAILED
 * delivery with the reason, so the operator sees it instead of a silent drop.
 */
export async function queueProviderWebhook(db: DbWriter, message: WebhookMessage): Promise<QueuedWebhook> {
  const url = await providerWebhookUrl(db);
  if (!url) return null;
  const problem = targetProblem(url);
  await db.webhookDelivery.createMany({
    data: [{ kind: message.kind, eventType: message.eventType, sourceId: message.sourceId, url, payload: message.data, ...(problem && { status: "FAILED" as const, lastError: `Not sent: ${problem}` }) }],
    skipDuplicates: true,
  });
  const row = await db.webhookDelivery.findUniqueOrThrow({ where: { kind_sourceId: { kind: message.kind, sourceId: message.sourceId } }, select: { id: true, status: true } });
  return { id: row.id, status: row.status === "FAILED" ? "FAILED" : "PENDING" };
}

/**
 * Puts a webhook to a customer's own endpoint in the outbox, signed later with that tenant's secret. The URL was
 * checked when the customer saved it; it is checked again when sent.
 */
export async function queueCustomerWebhook(db: DbWriter, message: WebhookMessage & { customerTenantId: string; url: string }): Promise<QueuedWebhook> {
  await db.webhookDelivery.createMany({
    data: [{ kind: message.kind, eventType: message.eventType, sourceId: message.sourceId, url: message.url, customerTenantId: message.customerTenantId, payload: message.data }],
    skipDuplicates: true,
  });
  const row = await db.webhookDelivery.findUniqueOrThrow({ where: { kind_sourceId: { kind: message.kind, sourceId: message.sourceId } }, select: { id: true, status: true } });
  return row.status === "DELIVERED" ? null : { id: row.id, status: row.status === "FAILED" ? "FAILED" : "PENDING" };
}

/** Tells a worker that a delivery is due (after `delaySeconds`). Best effort: the fleet's sweep wakes what is missed. */
export async function wakeWebhookDelivery(boss: PgBoss, deliveryId: string, delaySeconds = 0): Promise<void> {
  await boss.send(WEBHOOK_QUEUE, { deliveryId } satisfies WebhookWake, delaySeconds > 0 ? { startAfter: Math.ceil(delaySeconds) } : {});
}
