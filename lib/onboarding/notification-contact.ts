// Where a customer wants its key-expiry reminders: an email address (the provider's mailer sends the mail from
// MailOutbox; the portal sends no SMTP) and/or the customer's own https webhook, signed with a secret only
// this tenant sees. Set on the status page by the tenant's admins; audited.
import { isIP } from "node:net";
import { z } from "zod";
import type { Db } from "../db/client";
import type { SessionUser } from "../auth/session-store";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { recordAudit } from "../audit/log";
import { actorNames, recordedName } from "../audit/actor-names";
import { webhookUrlProblem } from "../webhooks/url";
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from "../webhooks/customer-secret";

type Ctx = { db: Db; user: SessionUser; requestId?: string };

const PRIVATE_V4 = [/^10\./, /^127\./, /^169\.254\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^0\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

/**
 * Why the portal's worker must not post to `url` for a customer, or undefined. Beyond the provider webhook's
 * rules (https only outside the demo), a customer may not aim the worker at the provider's own network:
 * localhost and private, loopback or link-local addresses are refused (except in the demo, WEBHOOK_ALLOW_HTTP).
 */
export function customerWebhookUrlProblem(url: string, allowLocal: boolean): string | undefined {
  const basic = webhookUrlProblem(url, allowLocal);
  if (basic) return basic;
  if (allowLocal) return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return `${host} is this machine, not your server: use your webhook's public https address`;
  const ip = isIP(host);
  if (ip === 4 && PRIVATE_V4.some((range) => range.test(host))) return `${host} is a private or loopback address: use your webhook's public https address`;
  if (ip === 6 && (host === "::1" || host.startsWith("fc") || host.startsWith("fd") || host.startsWith("fe80") || host.startsWith("::ffff:"))) return `${host} is a private or loopback address: use your webhook's public https address`;
  return undefined;
}

export const contactInput = z
  .object({
    email: z.union([z.literal(""), z.string().trim().max(254).email("Enter an email address such as keys@example.com, or leave it empty.")]).optional(),
    webhookUrl: z.union([z.literal(""), z.string().trim().max(2000)]).optional(),
  })
  .superRefine((input, issues) => {
    if (!input.webhookUrl) return;
    const problem = customerWebhookUrlProblem(input.webhookUrl, serverEnv().WEBHOOK_ALLOW_HTTP);
    if (problem) issues.addIssue({ code: "custom", path: ["webhookUrl"], message: problem });
  });

export type ContactView = { email: string | null; webhookUrl: string | null; webhookSecret: string | null; updatedByName: string | null; updatedAt: Date | null };

export async function notificationContact(db: Db, entraTenantId: string): Promise<ContactView> {
  const tenant = await db.customerTenant.findUnique({ where: { tenantId: entraTenantId }, include: { notificationContact: true } });
  const contact = tenant?.notificationContact;
  if (!tenant || !contact) return { email: null, webhookUrl: null, webhookSecret: null, updatedByName: null, updatedAt: null };
  return {
    email: contact.email,
    webhookUrl: contact.webhookUrl,
    webhookSecret: contact.webhookSecretSealed ? openWebhookSecret(tenant.id, contact.webhookSecretSealed) : null,
    updatedByName: contact.updatedByName,
    updatedAt: contact.updatedAt,
  };
}

/** Saves the contact (empty fields clear it). A webhook gets its signing secret once; it stays while the URL changes. */
export async function setNotificationContact(ctx: Ctx, input: z.infer<typeof contactInput>): Promise<ContactView> {
  const tenant = await ctx.db.customerTenant.findUnique({ where: { tenantId: ctx.user.tenantId }, include: { notificationContact: true } });
  if (!tenant) throw new AppError("NOT_FOUND", "Your organization has not started onboarding yet.", { fix: "Open /onboarding first." });
  const email = input.email || null;
  const webhookUrl = input.webhookUrl || null;
  const sealed = webhookUrl ? (tenant.notificationContact?.webhookSecretSealed ?? sealWebhookSecret(tenant.id, newWebhookSecret())) : null;
  const data = { email, webhookUrl, webhookSecretSealed: sealed, updatedByOid: ctx.user.userOid, updatedByName: recordedName(actorNames(ctx.user)) ?? null };
  await ctx.db.notificationContact.upsert({ where: { customerTenantId: tenant.id }, create: { customerTenantId: tenant.id, ...data }, update: data });
  await recordAudit(ctx.db, {
    actorType: "CUSTOMER",
    actorId: ctx.user.userOid,
    actorTenantId: ctx.user.tenantId,
    actorRole: "CustomerAdmin",
    action: "customer.notification_contact.update",
    targetType: "notificationContact",
    targetId: tenant.id,
    customerTenantId: tenant.id,
    result: "SUCCESS",
    requestId: ctx.requestId,
    // The address and host are recorded, never the path (it may carry a token) or the secret.
    details: { email, webhookHost: webhookUrl ? new URL(webhookUrl).host : null, ...actorNames(ctx.user) },
  });
  return notificationContact(ctx.db, ctx.user.tenantId);
}
