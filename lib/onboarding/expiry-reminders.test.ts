import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { setAppEnvForTests } from "../testing/app-env";
import { testDb } from "../testing/db";
import { fleetTasks } from "../jobs/fleet-tasks";
import { SCHEDULED_TASK_QUEUES } from "../jobs/queue";
import { scheduleQueueName } from "../jobs/schedules";
import { keyExpiryReminder, queueKeyExpiryReminders, reminderSourceId } from "./expiry-reminders";
import { keyExpiryNotice } from "./key-expiry";

const db = testDb();
const DAY = 86_400_000;
const NOW = new Date("2026-12-01T09:00:00Z");
const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

async function tenantWithKey(daysLeft: number | null, options: { monitored?: boolean } = {}) {
  const tenant = await db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: `Tenant ${randomUUID().slice(0, 6)}`, monitored: options.monitored ?? true } });
  const version = randomUUID().replace(/-/g, "");
  const key = await db.keyReference.create({
    data: {
      customerTenantId: tenant.id,
      vaultResourceId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1",
      vaultUri: "https://kv1.vault.azure.net",
      keyName: "disk-key",
      keyVersion: version,
      keyUrl: `https://kv1.vault.azure.net/keys/disk-key/${version}`,
      keyType: "RSA",
      permissionModel: "RBAC",
      region: "westeurope",
      expiresAt: daysLeft === null ? null : new Date(NOW.getTime() + daysLeft * DAY),
    },
  });
  await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: "westeurope", name: `des-${version.slice(0, 8)}`, provisioningState: "SUCCEEDED", keyReferenceId: key.id } });
  return { tenant, key };
}

const deliveriesFor = (keyUrl: string) => db.webhookDelivery.findMany({ where: { kind: "key-expiry", sourceId: { startsWith: keyUrl } }, orderBy: { createdAt: "asc" } });

beforeAll(() => {
  setAppEnvForTests({ NOTIFY_WEBHOOK_URL: "https://hooks.example.com/cmk", WEBHOOK_SIGNING_SECRET: SECRET });
});

describe("key-expiry reminder thresholds", () => {
  it("picks the tightest threshold crossed: 30, 14, 7 days; none before 30 days or after expiry", () => {
    const at = (days: number) => new Date(NOW.getTime() + days * DAY);
    expect(keyExpiryReminder(null, NOW)).toBeNull();
    expect(keyExpiryReminder(at(31), NOW)).toBeNull();
    expect(keyExpiryReminder(at(30), NOW)).toBe(30);
    expect(keyExpiryReminder(at(14.5), NOW)).toBe(30);
    expect(keyExpiryReminder(at(14), NOW)).toBe(14);
    expect(keyExpiryReminder(at(8), NOW)).toBe(14);
    expect(keyExpiryReminder(at(7), NOW)).toBe(7);
    expect(keyExpiryReminder(at(0.5), NOW)).toBe(7);
    expect(keyExpiryReminder(at(-1), NOW)).toBeNull();
  });

  it("words the status page's expiry as the key step does", () => {
    expect(keyExpiryNotice(null, NOW)).toEqual({ tone: "ok", text: "The key does not expire." });
    expect(keyExpiryNotice(new Date(NOW.getTime() + 200 * DAY), NOW)).toEqual({ tone: "ok", text: "The key expires on 2027-06-19." });
    expect(keyExpiryNotice(new Date(NOW.getTime() + 60 * DAY), NOW)).toMatchObject({ tone: "warn", text: "The key expires on 2027-01-30, in 60 days." });
    expect(keyExpiryNotice(new Date(NOW.getTime() + 10 * DAY), NOW)).toMatchObject({ tone: "bad", text: "The key expires on 2026-12-11, in 10 days." });
    expect(keyExpiryNotice(new Date(NOW.getTime() - DAY), NOW)).toMatchObject({ tone: "bad", text: "The key expired on 2026-11-30." });
  });
});

describe("key-expiry reminder task", () => {
  it("queues one signed-webhook row per key version and threshold, once, with the key's facts", async () => {
    const { tenant, key } = await tenantWithKey(20);
    const far = await tenantWithKey(45);
    const never = await tenantWithKey(null);
    const unmonitored = await tenantWithKey(5, { monitored: false });

    const first = await queueKeyExpiryReminders(db, undefined, NOW);
    expect(first.queued).toBe(1);
    const rows = await deliveriesFor(key.keyUrl);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ eventType: "tenant.key.expiring", sourceId: reminderSourceId(key.keyUrl, 30), url: "https://hooks.example.com/cmk", status: "PENDING" });
    expect(rows[0]!.payload).toMatchObject({ tenantId: tenant.tenantId, keyUrl: key.keyUrl, reminderDays: 30, expiresAt: key.expiresAt!.toISOString() });
    for (const other of [far, never, unmonitored]) expect(await deliveriesFor(other.key.keyUrl)).toHaveLength(0);

    // The next day (and a second worker the same day): nothing new.
    expect((await queueKeyExpiryReminders(db, undefined, new Date(NOW.getTime() + DAY))).queued).toBe(0);
    expect((await queueKeyExpiryReminders(db, undefined, new Date(NOW.getTime() + DAY))).queued).toBe(0);
    expect(await deliveriesFor(key.keyUrl)).toHaveLength(1);

    // 14 and then 7 days before expiry: one more each.
    await queueKeyExpiryReminders(db, undefined, new Date(NOW.getTime() + 6 * DAY));
    await queueKeyExpiryReminders(db, undefined, new Date(NOW.getTime() + 13 * DAY));
    await queueKeyExpiryReminders(db, undefined, new Date(NOW.getTime() + 14 * DAY));
    expect((await deliveriesFor(key.keyUrl)).map((r) => (r.payload as { reminderDays: number }).reminderDays)).toEqual([30, 14, 7]);
  });

  it("sends a new key version its own reminders", async () => {
    const { tenant, key } = await tenantWithKey(10);
    await queueKeyExpiryReminders(db, undefined, NOW);
    const version = randomUUID().replace(/-/g, "");
    const next = await db.keyReference.create({ data: { ...key, id: undefined, keyVersion: version, keyUrl: `https://kv1.vault.azure.net/keys/disk-key/${version}`, createdAt: undefined, updatedAt: undefined } });
    await db.diskEncryptionSet.updateMany({ where: { customerTenantId: tenant.id }, data: { keyReferenceId: next.id } });
    await queueKeyExpiryReminders(db, undefined, NOW);
    expect(await deliveriesFor(key.keyUrl)).toHaveLength(1);
    expect((await deliveriesFor(next.keyUrl)).map((r) => r.sourceId)).toEqual([reminderSourceId(next.keyUrl, 14)]);
  });

  it("runs daily as a fleet task, on a queue the schema's owner creates", async () => {
    const task = fleetTasks({ sweepIntervalMs: 1000, audit: {} }).find((t) => t.name === "key-expiry-reminders");
    expect(task?.periodMs).toBe(DAY);
    // A task without its queue stops the worker at start-up ("Queue every_… not found").
    const all = fleetTasks({ sweepIntervalMs: 1000, healthIntervalMinutes: 15, providerReadiness: true, audit: { key: {} as never } });
    expect(all.map((t) => scheduleQueueName(t.name)).filter((queue) => !(SCHEDULED_TASK_QUEUES as readonly string[]).includes(queue))).toEqual([]);
  });
});
