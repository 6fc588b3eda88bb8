// Messages to a customer tenant's admins about revocation and restore. There is no e-mail here: each message
// is stored (the customer's status page shows it) and, when configured, posted to the provider's webhook
// (HMAC-SHA256 of the body in X-CMK-Signature) so the provider's own channels can reach the admins.
import { createHmac } from "node:crypto";
import type { Db } from "../db/client";
import { serverEnv } from "../env";
import { logger } from "../logger";

export type NotificationKind = "REVOCATION_REQUESTED" | "REVOCATION_EXECUTED" | "REVOCATION_WITHDRAWN" | "RESTORE_REQUESTED" | "ACCESS_RESTORED";

export type CustomerNotificationInput = {
  customerTenantId: string;
  kind: NotificationKind;
  title: string;
  message: string;
  revocationRequestId?: string;
};

const WEBHOOK_TIMEOUT_MS = 5000;

export async function notifyCustomerAdmins(database: Db, input: CustomerNotificationInput): Promise<{ id: string; delivery: "NOT_CONFIGURED" | "SENT" | "FAILED" }> {
  const tenant = await database.customerTenant.findUniqueOrThrow({ where: { id: input.customerTenantId }, select: { tenantId: true, displayName: true } });
  const row = await database.customerNotification.create({
    data: { customerTenantId: input.customerTenantId, kind: input.kind, title: input.title, message: input.message, revocationRequestId: input.revocationRequestId ?? null },
  });
  const env = serverEnv();
  if (!env.NOTIFY_WEBHOOK_URL) return { id: row.id, delivery: "NOT_CONFIGURED" };
  const body = JSON.stringify({
    type: `customer.${input.kind.toLowerCase()}`,
    notificationId: row.id,
    customerTenantId: tenant.tenantId,
    customerName: tenant.displayName,
    title: input.title,
    message: input.message,
    revocationRequestId: input.revocationRequestId ?? null,
    occurredAt: row.createdAt.toISOString(),
  });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (env.NOTIFY_WEBHOOK_SECRET) headers["x-cmk-signature"] = `sha256=${createHmac("sha256", env.NOTIFY_WEBHOOK_SECRET).update(body).digest("hex")}`;
  let delivery: "SENT" | "FAILED" = "SENT";
  let webhookError: string | null = null;
  try {
    const response = await fetch(env.NOTIFY_WEBHOOK_URL, { method: "POST", headers, body, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    if (!response.ok) {
      delivery = "FAILED";
      webhookError = `HTTP ${response.status}`;
    }
  } catch (error) {
    delivery = "FAILED";
    webhookError = (error as Error).name === "TimeoutError" ? "timed out" : "unreachable";
    logger.warn({ err: error, notificationId: row.id }, "customer notification webhook failed");
  }
  await database.customerNotification.update({ where: { id: row.id }, data: { webhookDelivery: delivery, webhookError } });
  return { id: row.id, delivery };
}

export async function notificationsFor(database: Db, customerTenantId: string, take = 10) {
  return database.customerNotification.findMany({ where: { customerTenantId }, orderBy: { createdAt: "desc" }, take });
}
