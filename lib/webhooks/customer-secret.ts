// A customer's own webhook is signed with a secret of its own (Standard Webhooks, whsec_…), not the provider's:
// the customer verifies what it receives without learning the provider's secret. Sealed at rest (AES-GCM with
// a key derived from SESSION_SECRET for this purpose), bound to the tenant it belongs to.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { deriveKey, open, seal } from "../crypto/secret-box";
import { serverEnv } from "../env";

function boxKey(): Buffer {
  return deriveKey(serverEnv().SESSION_SECRET, "customer-webhook-secret");
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export function sealWebhookSecret(customerTenantId: string, secret: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(seal(boxKey(), secret, `webhook-secret:${customerTenantId}`));
}

export function openWebhookSecret(customerTenantId: string, sealed: Uint8Array): string {
  return open(boxKey(), sealed, `webhook-secret:${customerTenantId}`);
}

/** The signing secret of a customer's webhook, or undefined when the tenant has none (then nothing is sent). */
export async function customerWebhookSecret(db: Db, customerTenantId: string): Promise<string | undefined> {
  const contact = await db.notificationContact.findUnique({ where: { customerTenantId }, select: { webhookSecretSealed: true } });
  return contact?.webhookSecretSealed ? openWebhookSecret(customerTenantId, contact.webhookSecretSealed) : undefined;
}
