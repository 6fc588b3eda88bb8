// Health notifications to the provider's webhook, through the webhook outbox (lib/webhooks): signed per
// Standard Webhooks and delivered, with retries, by a worker, so a slow or failing receiver never blocks a check.
import { queueProviderWebhook, type DbWriter, type QueuedWebhook } from "../webhooks/outbox";
import { describeHealthCause } from "./causes";

export type HealthNotification = {
  /** The HealthEvent id (receivers de-duplicate retries with the webhook-id header). */
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

/**
 * Puts the notification in the webhook outbox. Called inside the transaction that records the HealthEvent, so
 * a crash cannot keep one without the other; the event id makes it one webhook per event.
 */
export async function queueHealthNotification(tx: DbWriter, notification: HealthNotification): Promise<QueuedWebhook> {
  return queueProviderWebhook(tx, { kind: "health", eventType: notification.type, sourceId: notification.eventId, data: notification });
}
