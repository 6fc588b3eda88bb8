// The rules a customer's vault and key must meet for a cross-tenant disk encryption set. Pure functions
// (except the configured Key Vault hosts' default): each red item says why, and how to fix it.
import { serverEnv } from "../env";
import type { KeyFacts } from "../azure/key-facts";
import { parseVersionedKeyUrl as parseKeyUrl, type KeyVaultHost, type ParsedKeyUrl } from "../azure/key-url";

export type { ParsedKeyUrl };

export type CheckStatus = "pass" | "warn" | "fail";
export type CheckItem = { id: string; status: CheckStatus; title: string; reason: string; fix?: string };

export type VaultFacts = {
  name: string;
  location: string;
  /** Undefined = the API default (on; it cannot be turned off on current vaults). */
  softDeleteEnabled: boolean | undefined;
  purgeProtectionEnabled: boolean | undefined;
  rbacAuthorization: boolean | undefined;
  publicNetworkAccess: string | undefined;
  networkDefaultAction: string | undefined;
  networkBypass: string | undefined;
};

export type { KeyFacts };

export const ALLOWED_KEY_TYPES = ["RSA", "RSA-HSM"] as const;
export const ALLOWED_KEY_SIZES = [2048, 3072, 4096] as const;
export const KEY_EXPIRY_BLOCK_DAYS = 30;
export const KEY_EXPIRY_WARN_DAYS = 90;
const DAY_MS = 86_400_000;

/**
 * "in 10 days" for a moment 10 days away: whole days rounded to the nearest, so that a key created to expire in
 * 10 days, read a few seconds later (9.9999 days), does not say 9. Under half a day: "today"; otherwise singular for 1.
 */
export function inWholeDays(at: Date, now: Date): string {
  const days = Math.round((at.getTime() - now.getTime()) / DAY_MS);
  if (days <= 0) return "today";
  return days === 1 ? "in 1 day" : `in ${days} days`;
}

export function worst(items: CheckItem[]): CheckStatus {
  return items.some((i) => i.status === "fail") ? "fail" : items.some((i) => i.status === "warn") ? "warn" : "pass";
}

export function normaliseRegion(region: string): string {
  return region.replace(/\s+/g, "").toLowerCase();
}

/** How the shared rules speak of a store, and what to do when one fails. */
export type StoreWording = { noun: "vault" | "pool"; refusedStores: string; softDeleteFix: string; purgeProtectionFix: string; regionFix: string };

/** Soft delete, purge protection and region: the rules key vaults and Managed HSM pools share. */
export function protectionChecks(store: { location: string; softDeleteEnabled: boolean | undefined; purgeProtectionEnabled: boolean | undefined }, supportedRegions: string[], words: StoreWording): CheckItem[] {
  const region = normaliseRegion(store.location);
  return [
    store.softDeleteEnabled === false
      ? { id: "soft-delete", status: "fail", title: "Soft delete", reason: "Soft delete is off, so a deleted key would be gone at once and your disks unreadable.", fix: words.softDeleteFix }
      : { id: "soft-delete", status: "pass", title: "Soft delete", reason: "On: deleted keys can be recovered for the retention period." },
    store.purgeProtectionEnabled
      ? { id: "purge-protection", status: "pass", title: "Purge protection", reason: "On: nobody can permanently delete the key during the retention period." }
      : { id: "purge-protection", status: "fail", title: "Purge protection", reason: `Purge protection is off. Azure refuses disk encryption sets with keys from ${words.refusedStores}.`, fix: words.purgeProtectionFix },
    supportedRegions.includes(region)
      ? { id: "region", status: "pass", title: "Region", reason: `${region} is a region where your provider runs your disks.` }
      : { id: "region", status: "fail", title: "Region", reason: `The ${words.noun} is in ${region}, but your disks run in ${supportedRegions.join(", ")}; the key must be in the same region as the disks.`, fix: words.regionFix },
  ];
}

export function checkVault(vault: VaultFacts, supportedRegions: string[]): CheckItem[] {
  const items = protectionChecks(vault, supportedRegions, {
    noun: "vault",
    refusedStores: "such vaults",
    softDeleteFix: "Turn on soft delete (az keyvault update --name VAULT --enable-soft-delete true), or create a new vault here.",
    purgeProtectionFix: "Turn it on (az keyvault update --name VAULT --enable-purge-protection true — this cannot be undone), or create a new vault here.",
    regionFix: `Choose or create a vault in ${supportedRegions.join(" or ")}.`,
  });
  items.push(
    vault.rbacAuthorization
      ? { id: "permission-model", status: "pass", title: "Permission model", reason: "Azure role-based access control: the provider gets a role on the key only." }
      : { id: "permission-model", status: "pass", title: "Permission model", reason: "Vault access policies: the provider gets an access policy with get, wrap key and unwrap key (for the whole vault, as access policies cannot be scoped to one key)." },
  );
  const publicDisabled = vault.publicNetworkAccess?.toLowerCase() === "disabled";
  const denyByDefault = vault.networkDefaultAction?.toLowerCase() === "deny";
  const trustedServicesAllowed = (vault.networkBypass ?? "AzureServices").toLowerCase().includes("azureservices");
  if (publicDisabled) {
    items.push({ id: "network", status: "fail", title: "Network access", reason: "Public network access is disabled: Azure Disk Encryption in the provider's tenant cannot reach the vault through a private endpoint of yours.", fix: "Allow public access from selected networks with “Allow trusted Microsoft services to bypass this firewall” on, or use another vault." });
  } else if (denyByDefault && !trustedServicesAllowed) {
    items.push({ id: "network", status: "fail", title: "Network access", reason: "The firewall denies traffic and does not let trusted Microsoft services through, so Azure Disk Encryption cannot use the key.", fix: "In the vault's Networking settings, turn on “Allow trusted Microsoft services to bypass this firewall”." });
  } else if (denyByDefault) {
    items.push({ id: "network", status: "warn", title: "Network access", reason: "The firewall is on, with trusted Microsoft services allowed. The provider's verification comes from the provider's network, not as a trusted service, so the firewall will block it; whether Azure's disk encryption passes as a trusted service for a key in another tenant is not documented by Microsoft.", fix: "At verification you can allow the provider's egress addresses (if the provider publishes them), or skip the probe and let Azure's own check decide when the disk encryption set is created." });
  } else {
    items.push({ id: "network", status: "pass", title: "Network access", reason: "Reachable: public access is allowed." });
  }
  return items;
}

export function checkKey(key: KeyFacts, now = new Date()): CheckItem[] {
  const items: CheckItem[] = [];
  const typeOk = ALLOWED_KEY_TYPES.includes((key.keyType ?? "") as (typeof ALLOWED_KEY_TYPES)[number]);
  items.push(
    typeOk
      ? { id: "type", status: "pass", title: "Key type", reason: `${key.keyType} is supported.` }
      : { id: "type", status: "fail", title: "Key type", reason: `${key.keyType ?? "Unknown"} keys cannot encrypt managed disks; only RSA or RSA-HSM can.`, fix: "Create an RSA key (2048, 3072 or 4096 bits)." },
  );
  const sizeOk = ALLOWED_KEY_SIZES.includes((key.keySize ?? 0) as (typeof ALLOWED_KEY_SIZES)[number]);
  items.push(
    sizeOk
      ? { id: "size", status: "pass", title: "Key size", reason: `${key.keySize} bits is supported.` }
      : { id: "size", status: "fail", title: "Key size", reason: `${key.keySize ?? "Unknown"}-bit keys are not supported; use 2048, 3072 or 4096 bits.`, fix: "Create a new RSA key of 3072 bits (recommended)." },
  );
  const missingOps = ["wrapKey", "unwrapKey"].filter((op) => !key.operations.includes(op));
  items.push(
    missingOps.length === 0
      ? { id: "operations", status: "pass", title: "Permitted operations", reason: "Wrap key and unwrap key are allowed." }
      : { id: "operations", status: "fail", title: "Permitted operations", reason: `The key does not allow ${missingOps.join(" and ")}, which disk encryption needs.`, fix: "Enable “Wrap key” and “Unwrap key” in the key version's permitted operations, or create a new key." },
  );
  items.push(
    key.enabled
      ? { id: "enabled", status: "pass", title: "Enabled", reason: "The key is enabled." }
      : { id: "enabled", status: "fail", title: "Enabled", reason: "The key is disabled; nothing can encrypt or decrypt with it.", fix: "Enable the key in your vault, or pick another key." },
  );
  if (key.notBefore && key.notBefore.getTime() > now.getTime()) {
    items.push({ id: "not-before", status: "fail", title: "Activation date", reason: `The key only becomes usable on ${key.notBefore.toISOString().slice(0, 10)}.`, fix: "Remove the activation date or pick another key." });
  }
  if (!key.expiresAt) {
    items.push({ id: "expiry", status: "pass", title: "Expiry", reason: "The key does not expire." });
  } else {
    // Thresholds compare exact durations; only the wording rounds.
    const msLeft = key.expiresAt.getTime() - now.getTime();
    const date = key.expiresAt.toISOString().slice(0, 10);
    if (msLeft < KEY_EXPIRY_BLOCK_DAYS * DAY_MS) {
      items.push({ id: "expiry", status: "fail", title: "Expiry", reason: msLeft <= 0 ? `The key expired on ${date}.` : `The key expires on ${date}, ${inWholeDays(key.expiresAt, now)} — too soon to start using it.`, fix: "Extend the expiry date (or rotate to a new version) so that it is more than 30 days away." });
    } else if (msLeft < KEY_EXPIRY_WARN_DAYS * DAY_MS) {
      items.push({ id: "expiry", status: "warn", title: "Expiry", reason: `The key expires on ${date}, ${inWholeDays(key.expiresAt, now)}.`, fix: "Plan a rotation, or set a rotation policy so a new version is created before expiry." });
    } else {
      items.push({ id: "expiry", status: "pass", title: "Expiry", reason: `The key expires on ${date}.` });
    }
  }
  return items;
}

/**
 * A versioned key URL in a vault of the configured cloud (KEY_VAULT_DNS_SUFFIXES); the rule itself is
 * lib/azure/key-url.ts. Disk encryption sets need the version even when they follow new versions automatically.
 */
export function parseVersionedKeyUrl(value: string, hosts: KeyVaultHost[] = serverEnv().KEY_VAULT_DNS_SUFFIXES) {
  return parseKeyUrl(value, hosts);
}
