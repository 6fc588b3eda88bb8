// Key-expiry reminders: 30, 14 and 7 days before a customer's key in use expires, one signed webhook to the
// provider's notification endpoint (lib/webhooks). Once per key version and threshold: the outbox row is unique on
// (kind, sourceId), and the source id names the versioned key URL and the threshold. The status page shows the
// same reminder as a banner, computed from the stored expiry (keyExpiryReminder below).
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import { queueProviderWebhook, wakeWebhookDelivery } from "../webhooks/outbox";

export const KEY_EXPIRY_REMINDER_DAYS = [30, 14, 7] as const;
export const KEY_EXPIRY_REMINDER_EVENT = "tenant.key.expiring";
const DAY_MS = 86_400_000;

/** The tightest reminder threshold the key has crossed (7 before 14 before 30), or null: none yet, or expired. */
export function keyExpiryReminder(expiresAt: Date | null, now: Date): number | null {
  if (!expiresAt) return null;
  const msLeft = expiresAt.getTime() - now.getTime();
  if (msLeft <= 0) return null;
  const crossed = KEY_EXPIRY_REMINDER_DAYS.filter((days) => msLeft <= days * DAY_MS);
  return crossed.length ? Math.min(...crossed) : null;
}

export function reminderSourceId(keyUrl: string, days: number): string {
  return `${keyUrl}#expires-within-${days}d`;
}

export type ReminderRun = { checked: number; queued: number };

/**
 * Queues the due reminders of every monitored tenant's keys in use. A key first seen inside a later threshold
 * (e.g. 10 days left) gets that one reminder, not the earlier ones it missed. Idempotent: runs daily, and a
 * repeat run (or a second worker) queues nothing new.
 */
export async function queueKeyExpiryReminders(db: Db, boss: PgBoss | undefined, now: Date): Promise<ReminderRun> {
  const keys = await db.keyReference.findMany({
    where: {
      expiresAt: { gt: now, lte: new Date(now.getTime() + Math.max(...KEY_EXPIRY_REMINDER_DAYS) * DAY_MS) },
      diskEncryptionSets: { some: { provisioningState: { not: "DELETING" } } },
      customerTenant: { monitored: true },
    },
    select: {
      keyUrl: true,
      expiresAt: true,
      customerTenant: { select: { tenantId: true, displayName: true } },
      diskEncryptionSets: { select: { name: true, region: true } },
    },
  });
  let queued = 0;
  for (const key of keys) {
    const days = keyExpiryReminder(key.expiresAt, now);
    if (days === null || !key.expiresAt) continue;
    const sourceId = reminderSourceId(key.keyUrl, days);
    const before = await db.webhookDelivery.findUnique({ where: { kind_sourceId: { kind: "key-expiry", sourceId } }, select: { id: true } });
    if (before) continue;
    const delivery = await queueProviderWebhook(db, {
      kind: "key-expiry",
      eventType: KEY_EXPIRY_REMINDER_EVENT,
      sourceId,
      data: {
        tenantId: key.customerTenant.tenantId,
        tenantName: key.customerTenant.displayName,
        keyUrl: key.keyUrl,
        expiresAt: key.expiresAt.toISOString(),
        reminderDays: days,
        diskEncryptionSets: key.diskEncryptionSets.map((des) => ({ name: des.name, region: des.region })),
      },
    });
    if (!delivery) continue;
    queued += 1;
    // Best effort: the fleet's job sweep wakes deliveries whose wake-up was lost.
    if (boss && delivery.status === "PENDING") await wakeWebhookDelivery(boss, delivery.id).catch(() => undefined);
  }
  return { checked: keys.length, queued };
}
