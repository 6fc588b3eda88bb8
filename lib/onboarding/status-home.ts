// What the status page shows beyond the DES itself: links into the customer's Azure portal and audit log, the
// key's expiry with the key step's warning, and the expiry reminder once one is due.
import { customerPortalLinks, portalHost, type CustomerPortalLinks } from "../azure/portal-links";
import { serverEnv } from "../env";
import { keyExpiryReminder } from "./expiry-reminders";
import { keyExpiryNotice, type KeyExpiryNotice } from "./key-expiry";

export type KeyHome = { links: CustomerPortalLinks; expiry: KeyExpiryNotice; reminderDays: number | null };

export function keyHome(
  tenant: { tenantId: string; servicePrincipalObjectId: string | null },
  key: { vaultResourceId: string; keyName: string; expiresAt: Date | null },
  now: Date = new Date(),
): KeyHome {
  return {
    links: customerPortalLinks({
      portal: portalHost(),
      tenantId: tenant.tenantId,
      vaultResourceId: key.vaultResourceId,
      keyName: key.keyName,
      cmkAppClientId: serverEnv().CMK_APP_CLIENT_ID,
      servicePrincipalObjectId: tenant.servicePrincipalObjectId,
    }),
    expiry: keyExpiryNotice(key.expiresAt, now),
    reminderDays: keyExpiryReminder(key.expiresAt, now),
  };
}
