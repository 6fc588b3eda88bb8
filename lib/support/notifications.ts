// Messages to a customer tenant's admins about revocation and restore. There is no e-mail here: each message
// is stored (the customer's status page shows it) and, when configured, sent to the provider's webhook through
// the webhook outbox (signed per Standard Webhooks, retried by a worker) so the provider's channels reach the admins.
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import { sharedQueue } from "../jobs/queue";
import { logger } from "../logger";
import { queueProviderWebhook, wakeWebhookDelivery } from "../webhooks/outbox";

export type NotificationKind = "REVOCATION_REQUESTED" | "REVOCATION_EXECUTED" | "REVOCATION_WITHDRAWN" | "RESTORE_REQUESTED" | "ACCESS_RESTORED" | "OFFBOARDING_REQUESTED" | "OFFBOARDING_CANCELLED" | "OFFBOARDING_PROVIDER_DONE" | "OFFBOARDING_COMPLETED";

export type CustomerNotificationInput = {
  customerTenantId: string;
  kind: NotificationKind;
  title: string;
  message: string;
  revocationRequestId?: string;
};

/**
 * Stores the message and, when the provider has a webhook, puts it in the webhook outbox in the same
 * transaction. Nothing is posted here, on the request path: a worker signs and delivers it (lib/webhooks).
 */
export async function notifyCustomerAdmins(database: Db, input: CustomerNotificationInput, options: { queue?: PgBoss } = {}): Promise<{ id: string; delivery: "NOT_CONFIGURED" | "QUEUED" | "FAILED" }> {
  const { row, webhook } = await database.$transaction(async (tx) => {
    const tenant = await tx.customerTenant.findUniqueOrThrow({ where: { id: input.customerTenantId }, select: { tenantId: true, displayName: true } });
    const created = await tx.customerNotification.create({
      data: { customerTenantId: input.customerTenantId, kind: input.kind, title: input.title, message: input.message, revocationRequestId: input.revocationRequestId ?? null },
    });
    const queued = await queueProviderWebhook(tx, {
      kind: "support",
      eventType: `customer.${input.kind.toLowerCase()}`,
      sourceId: created.id,
      data: {
        notificationId: created.id,
        customerTenantId: tenant.tenantId,
        customerName: tenant.displayName,
        title: input.title,
        message: input.message,
        revocationRequestId: input.revocationRequestId ?? null,
        occurredAt: created.createdAt.toISOString(),
      },
    });
    if (queued) {
      const error = queued.status === "FAILED" ? (await tx.webhookDelivery.findUniqueOrThrow({ where: { id: queued.id }, select: { lastError: true } })).lastError : null;
      await tx.customerNotification.update({ where: { id: created.id }, data: { webhookDelivery: queued.status === "FAILED" ? "FAILED" : "QUEUED", webhookError: error } });
    }
    return { row: created, webhook: queued };
  });
  if (!webhook) return { id: row.id, delivery: "NOT_CONFIGURED" };
  if (webhook.status === "FAILED") return { id: row.id, delivery: "FAILED" };
  try {
    await wakeWebhookDelivery(options.queue ?? (await sharedQueue()), webhook.id);
  } catch (error) {
    // The delivery is in the outbox; the fleet's sweep wakes it within a minute.
    logger.warn({ err: error, notificationId: row.id }, "could not wake the notification webhook delivery");
  }
  return { id: row.id, delivery: "QUEUED" };
}

export async function notificationsFor(database: Db, customerTenantId: string, take = 10) {
  return database.customerNotification.findMany({ where: { customerTenantId }, orderBy: { createdAt: "desc" }, take });
}
