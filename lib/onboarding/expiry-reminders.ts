// Key-expiry reminders: 30, 14 and 7 days before a customer's key in use expires, one signed webhook to the
// provider's notification endpoint (lib/webhooks), and to the customer's own contact when it set one
// (notification-contact.ts): a signed webhook to its URL, a MailOutbox row for the provider's mailer. Once per key version and threshold: the outbox row is unique on
// (kind, sourceId), and the source id names the versioned key URL and the threshold. The status page shows the
// same reminder as a banner, computed from the stored expiry (keyExpiryReminder below).
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import { queueCustomerWebhook, queueProviderWebhook, wakeWebhookDelivery } from "../webhooks/outbox";

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
      customerTenant: { select: { id: true, tenantId: true, displayName: true, notificationContact: { select: { email: true, webhookUrl: true, webhookSecretSealed: true } } } },
      diskEncryptionSets: { select: { name: true, region: true } },
    },
  });
  let queued = 0;
  for (const key of keys) {
    const days = keyExpiryReminder(key.expiresAt, now);
    if (days === null || !key.expiresAt) continue;
    const sourceId = reminderSourceId(key.keyUrl, days);
    const data = {
      tenantId: key.customerTenant.tenantId,
      tenantName: key.customerTenant.displayName,
      keyUrl: key.keyUrl,
      expiresAt: key.expiresAt.toISOString(),
      reminderDays: days,
      diskEncryptionSets: key.diskEncryptionSets.map((des) => ({ name: des.name, region: des.region })),
    };
    const deliveries: { id: string; status: string }[] = [];
    const before = await db.webhookDelivery.findUnique({ where: { kind_sourceId: { kind: "key-expiry", sourceId } }, select: { id: true } });
    if (!before) {
      const delivery = await queueProviderWebhook(db, { kind: "key-expiry", eventType: KEY_EXPIRY_REMINDER_EVENT, sourceId, data });
      if (delivery) deliveries.push(delivery);
    }
    const contact = key.customerTenant.notificationContact;
    if (contact?.webhookUrl && contact.webhookSecretSealed) {
      const delivery = await queueCustomerWebhook(db, { customerTenantId: key.customerTenant.id, url: contact.webhookUrl, kind: "customer-key-expiry", eventType: KEY_EXPIRY_REMINDER_EVENT, sourceId: `${key.customerTenant.id}:${sourceId}`, data });
      if (delivery) deliveries.push(delivery);
    }
    if (contact?.email) {
      const mail = await db.mailOutbox.createMany({ data: [{ customerTenantId: key.customerTenant.id, sourceId: `${contact.email}:${sourceId}`, to: contact.email, ...reminderMail(data) }], skipDuplicates: true });
      queued += mail.count;
    }
    queued += deliveries.length;
    // Best effort: the fleet's job sweep wakes deliveries whose wake-up was lost.
    for (const delivery of deliveries) if (boss && delivery.status === "PENDING") await wakeWebhookDelivery(boss, delivery.id).catch(() => undefined);
  }
  return { checked: keys.length, queued };
}

/** The reminder mail for the provider's mailer: plain text, what expires, when, and what to do. */
export function reminderMail(data: { tenantName: string; keyUrl: string; expiresAt: string; reminderDays: number; diskEncryptionSets: { name: string; region: string }[] }): { subject: string; body: string } {
  return {
    subject: `Your disk encryption key expires within ${data.reminderDays} days`,
    body: [
      `The key that encrypts ${data.tenantName}'s disks with the provider expires on ${data.expiresAt.slice(0, 10)} (${data.expiresAt.slice(11, 16)} UTC).`,
      `Key: ${data.keyUrl}`,
      `Disk encryption sets: ${data.diskEncryptionSets.map((des) => `${des.name} (${des.region})`).join(", ")}`,
      "",
      "Extend the key's expiry date in your Key Vault, or create a new version of the key (the disk encryption set follows new versions when automatic rotation is on). Once the key has expired, the disks that use it can no longer be read.",
    ].join("\n"),
  };
}
