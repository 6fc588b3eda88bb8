// The customer's reminder contact: validated (https only, not the provider's own network), audited, and used by
// the expiry-reminder task — a MailOutbox row for the provider's mailer and a webhook signed with the tenant's
// own secret, which a receiver verifies like the customer would.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { setAppEnvForTests } from "../testing/app-env";
import { testDb } from "../testing/db";
import type { SessionUser } from "../auth/session-store";
import { deliverWebhook } from "../webhooks/delivery";
import { setNotificationContactAction } from "../support/customer-actions";
import { queueKeyExpiryReminders, reminderSourceId } from "./expiry-reminders";
import { contactInput, customerWebhookUrlProblem, notificationContact } from "./notification-contact";

const db = testDb();
const DAY = 86_400_000;
const NOW = new Date("2026-12-01T09:00:00Z");
let receiver: Server;
let receiverUrl = "";
let received: { headers: IncomingHttpHeaders; raw: string }[] = [];

function adminOf(tenantId: string): SessionUser {
  return { idHash: randomUUID(), kind: "CUSTOMER", tenantId, userOid: randomUUID(), userName: "admin@contoso.example", displayName: "Connie Admin", roles: ["Customer.Admin"] };
}

async function tenantWithKey(daysLeft: number) {
  const tenant = await db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: "Contoso Reminders" } });
  const version = randomUUID().replace(/-/g, "");
  const key = await db.keyReference.create({
    data: { customerTenantId: tenant.id, vaultResourceId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1", vaultUri: "https://kv1.vault.azure.net", keyName: "disk-key", keyVersion: version, keyUrl: `https://kv1.vault.azure.net/keys/disk-key/${version}`, keyType: "RSA", permissionModel: "RBAC", region: "westeurope", expiresAt: new Date(NOW.getTime() + daysLeft * DAY) },
  });
  await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: "westeurope", name: `des-${version.slice(0, 8)}`, provisioningState: "SUCCEEDED", keyReferenceId: key.id } });
  return { tenant, key };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ headers: req.headers, raw });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/keys`;
});

afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe("the customer's webhook URL", () => {
  it("outside the demo: https only, and never localhost or a private, loopback or link-local address", () => {
    expect(customerWebhookUrlProblem("https://hooks.contoso.example/keys", false)).toBeUndefined();
    expect(customerWebhookUrlProblem("http://hooks.contoso.example/keys", false)).toContain("only sent over https");
    expect(customerWebhookUrlProblem("https://localhost/keys", false)).toContain("this machine");
    for (const host of ["10.1.2.3", "127.0.0.1", "169.254.169.254", "192.168.0.5", "172.20.0.1", "[::1]", "[fd00::1]"]) expect(customerWebhookUrlProblem(`https://${host}/keys`, false)).toContain("private or loopback");
    expect(customerWebhookUrlProblem("https://172.32.0.1/keys", false)).toBeUndefined();
    expect(customerWebhookUrlProblem("http://127.0.0.1:8080/keys", true)).toBeUndefined();
  });

  it("a bad email or URL is refused by field, with what to enter", () => {
    setAppEnvForTests({ WEBHOOK_ALLOW_HTTP: "false" });
    const result = contactInput.safeParse({ email: "keys@", webhookUrl: "http://hooks.contoso.example/x" });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues).toEqual([
      ["email", "Enter an email address such as keys@example.com, or leave it empty."],
      ["webhookUrl", expect.stringContaining("use an https:// URL")],
    ]);
    expect(contactInput.safeParse({ email: "", webhookUrl: "" }).success).toBe(true);
  });
});

describe("reminders to the customer's contact", () => {
  it("saving is audited without the URL's path, and gives the webhook a signing secret that stays", async () => {
    setAppEnvForTests({ WEBHOOK_ALLOW_HTTP: "true" });
    const { tenant } = await tenantWithKey(20);
    const admin = adminOf(tenant.tenantId);
    const saved = await setNotificationContactAction.run(admin, { email: "keys@contoso.example", webhookUrl: `${receiverUrl}?token=abc` }, db);
    expect(saved).toMatchObject({ ok: true, data: { email: "keys@contoso.example", webhookUrl: `${receiverUrl}?token=abc`, webhookSecret: expect.stringMatching(/^whsec_/) } });
    const again = await setNotificationContactAction.run(admin, { email: "keys@contoso.example", webhookUrl: receiverUrl }, db);
    expect(again.ok && again.data.webhookSecret).toBe(saved.ok && saved.data.webhookSecret);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "customer.notification_contact.update", customerTenantId: tenant.id } });
    expect(JSON.stringify(audit.details)).not.toContain("token=abc");
    expect(JSON.stringify(audit.details)).not.toContain("whsec_");
    expect(audit.details).toMatchObject({ email: "keys@contoso.example", webhookHost: new URL(receiverUrl).host });
  });

  it("the reminder task stores a mail for the provider's mailer and posts a webhook the customer can verify, once", async () => {
    setAppEnvForTests({ WEBHOOK_ALLOW_HTTP: "true" });
    const { tenant, key } = await tenantWithKey(12);
    await setNotificationContactAction.run(adminOf(tenant.tenantId), { email: "keys@contoso.example", webhookUrl: receiverUrl }, db);
    const secret = (await notificationContact(db, tenant.tenantId)).webhookSecret!;

    await queueKeyExpiryReminders(db, undefined, NOW);
    const mails = await db.mailOutbox.findMany({ where: { customerTenantId: tenant.id } });
    expect(mails).toEqual([expect.objectContaining({ to: "keys@contoso.example", subject: "Your disk encryption key expires within 14 days", sentAt: null })]);
    expect(mails[0]!.body).toContain(key.keyUrl);
    const [delivery] = await db.webhookDelivery.findMany({ where: { kind: "customer-key-expiry", customerTenantId: tenant.id } });
    expect(delivery).toMatchObject({ url: receiverUrl, sourceId: `${tenant.id}:${reminderSourceId(key.keyUrl, 14)}`, status: "PENDING" });

    received = [];
    expect(await deliverWebhook(db, delivery!.id)).toBe("delivered");
    expect(received).toHaveLength(1);
    const verified = new Webhook(secret).verify(received[0]!.raw, received[0]!.headers as Record<string, string>) as { type: string; data: { keyUrl: string; reminderDays: number } };
    expect(verified).toMatchObject({ type: "tenant.key.expiring", data: { keyUrl: key.keyUrl, reminderDays: 14 } });
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(received[0]!.raw, received[0]!.headers as Record<string, string>)).toThrow();

    await queueKeyExpiryReminders(db, undefined, new Date(NOW.getTime() + DAY));
    expect(await db.mailOutbox.count({ where: { customerTenantId: tenant.id } })).toBe(1);
    expect(await db.webhookDelivery.count({ where: { kind: "customer-key-expiry", customerTenantId: tenant.id } })).toBe(1);
  });

  it("a tenant without a contact gets neither", async () => {
    const { tenant } = await tenantWithKey(12);
    await queueKeyExpiryReminders(db, undefined, NOW);
    expect(await db.mailOutbox.count({ where: { customerTenantId: tenant.id } })).toBe(0);
    expect(await db.webhookDelivery.count({ where: { customerTenantId: tenant.id } })).toBe(0);
  });
});
