// The provider side proves it can use a customer's key across tenants: federated token for the customer
// tenant → read the key version → Key Vault wraps and unwraps a random value (get, wrapKey and unwrapKey, each
// checked by Key Vault). Used by onboarding verification, health checks, rotation and restore.
import { randomBytes } from "node:crypto";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { AppError } from "../errors";
import { newCustomerTenantCredential } from "./credentials";
import { azureFailure } from "./errors";
import { parseVersionedKeyUrl } from "./key-url";
import { serverEnv } from "../env";

/** Why the provider cannot use the key (codes shared with health checks). */
export type KeyProbeProblem =
  | "ROLE_MISSING"
  | "KEY_DISABLED"
  | "KEY_NOT_FOUND"
  | "KEY_EXPIRED"
  | "VAULT_FIREWALL"
  | "CONSENT_REMOVED"
  | "FEDERATION_BROKEN"
  | "THROTTLED"
  | "UNAVAILABLE";

export type KeyProbeResult =
  | { ok: true; keyId: string; enabled: boolean; expiresOn?: Date; checkedAt: Date }
  | { ok: false; problem: KeyProbeProblem; azureCode?: string; checkedAt: Date };

/**
 * A new options object for every client: SDK constructors append their user-agent prefix to the object they
 * are given, so a shared one grows with every client until Key Vault refuses the header.
 */
function probeOptions() {
  return { retryOptions: { maxRetries: 1 } };
}

/** Maps a failure of the probe to its cause. */
export function classifyProbeFailure(error: unknown): { problem: KeyProbeProblem; azureCode?: string } {
  const { status, code, message } = azureFailure(error);
  const text = `${code ?? ""} ${message}`;
  if (/AADSTS700016|AADSTS7000229/.test(text)) return { problem: "CONSENT_REMOVED", azureCode: /AADSTS\d+/.exec(text)?.[0] };
  if (/AADSTS70021|AADSTS70021[1-3]|AADSTS700213|AADSTS700212|AADSTS700211/.test(text)) return { problem: "FEDERATION_BROKEN", azureCode: /AADSTS\d+/.exec(text)?.[0] };
  if (/ForbiddenByFirewall|ForbiddenByConnection|ForbiddenByPolicy/i.test(text)) return { problem: "VAULT_FIREWALL", azureCode: code };
  if (/KeyDisabled|disabled key|is disabled/i.test(text)) return { problem: "KEY_DISABLED", azureCode: code ?? "KeyDisabled" };
  if (/expired|KeyExpired/i.test(text) && status === 403) return { problem: "KEY_EXPIRED", azureCode: code };
  if (status === 404 || /KeyNotFound|NotFound/.test(text)) return { problem: "KEY_NOT_FOUND", azureCode: code ?? "KeyNotFound" };
  if (status === 403 || status === 401 || /ForbiddenByRbac|Forbidden/.test(text)) return { problem: "ROLE_MISSING", azureCode: code ?? "Forbidden" };
  if (status === 429) return { problem: "THROTTLED", azureCode: code ?? "Throttled" };
  return { problem: "UNAVAILABLE", azureCode: code ?? (status ? `HTTP ${status}` : undefined) };
}

export async function probeCustomerKey(customerTenantId: string, keyUrl: string): Promise<KeyProbeResult> {
  // Checked before any request: the SDK sends the CMK app's token to whichever host answers with a challenge.
  const parsed = parseVersionedKeyUrl(keyUrl, serverEnv().KEY_VAULT_DNS_SUFFIXES);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `Not a usable key URL: ${parsed.reason}`, { fix: "Use the versioned “Key Identifier” of a key in your Key Vault." });
  // A fresh credential each time, so a removed consent shows now, not when a cached token expires.
  const credential = newCustomerTenantCredential(customerTenantId);
  try {
    const keys = new KeyClient(parsed.key.vaultUri, credential, probeOptions());
    const key = await keys.getKey(parsed.key.keyName, { version: parsed.key.version });
    const checkedAt = new Date();
    if (key.properties.enabled === false) return { ok: false, problem: "KEY_DISABLED", azureCode: "KeyDisabled", checkedAt };
    if (key.properties.expiresOn && key.properties.expiresOn <= checkedAt) return { ok: false, problem: "KEY_EXPIRED", azureCode: "KeyExpired", checkedAt };
    // Built from the key just read: from a URL the client would GET the key again before its first operation.
    const crypto = new CryptographyClient(key, credential, probeOptions());
    const secret = randomBytes(32);
    // RSA-OAEP-256, because the SDK wraps RSA-OAEP and RSA1_5 locally with the public key (its RsaCryptographyProvider),
    // which would prove nothing about the wrapKey permission; for RSA-OAEP-256 it has to ask Key Vault.
    const wrapped = await crypto.wrapKey("RSA-OAEP-256", secret);
    const unwrapped = await crypto.unwrapKey("RSA-OAEP-256", wrapped.result);
    if (!Buffer.from(unwrapped.result).equals(secret)) return { ok: false, problem: "UNAVAILABLE", azureCode: "WrapRoundTripMismatch", checkedAt };
    return { ok: true, keyId: key.id ?? parsed.key.keyUrl, enabled: true, expiresOn: key.properties.expiresOn, checkedAt };
  } catch (error) {
    return { ok: false, ...classifyProbeFailure(error), checkedAt: new Date() };
  }
}
