// The key's facts as the provider's CMK app sees them across tenants (Key Vault data plane, `get`). An app-only
// pipeline gives the portal no delegated token for the customer's ARM, so the vault's own settings come from the key:
// its recoveryLevel says whether soft delete and purge protection are on
// (https://learn.microsoft.com/rest/api/keyvault/keys/get-key/get-key#deletionrecoverylevel).
import { KeyClient } from "@azure/keyvault-keys";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { newCustomerTenantCredential } from "../azure/credentials";
import { toAzureAppError } from "../azure/errors";
import type { KeyFacts } from "../onboarding/checks";
import { parseVersionedKeyUrl } from "../onboarding/checks";

export type ProviderKeyFacts = KeyFacts & { recoveryLevel: string | undefined };

/** Purge protection on: the levels without "Purgeable" ("Recoverable", "CustomizedRecoverable"). */
export function purgeProtected(recoveryLevel: string | undefined): boolean {
  return recoveryLevel === "Recoverable" || recoveryLevel === "CustomizedRecoverable";
}

/** RSA modulus length in bits, from the JWK's `n`. */
function rsaBits(n: Uint8Array | undefined): number | undefined {
  if (!n) return undefined;
  const bytes = n[0] === 0 ? n.length - 1 : n.length;
  return bytes * 8;
}

export async function readKeyAsProvider(customerTenantId: string, keyUrl: string): Promise<ProviderKeyFacts> {
  const parsed = parseVersionedKeyUrl(keyUrl);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `Not a usable key URL: ${parsed.reason}`, { fix: "Send the versioned key identifier, https://{vault}.vault.azure.net/keys/{name}/{version}." });
  try {
    const key = await new KeyClient(parsed.key.vaultUri, newCustomerTenantCredential(customerTenantId), { retryOptions: { maxRetries: 1 } }).getKey(parsed.key.keyName, { version: parsed.key.version });
    return {
      name: parsed.key.keyName,
      keyType: key.keyType,
      keySize: rsaBits(key.key?.n),
      operations: key.keyOperations ?? [],
      enabled: key.properties.enabled !== false,
      expiresAt: key.properties.expiresOn,
      notBefore: key.properties.notBefore,
      recoveryLevel: key.properties.recoveryLevel,
    };
  } catch (error) {
    throw toAzureAppError(error, "read the key as the provider's app", {
      Forbidden: "The provider's app has no access to this key yet: assign it “Key Vault Crypto Service Encryption User” on the key (role assignments can take a few minutes to apply), then retry.",
    });
  }
}

/** The refusal when the vault could lose the key for good: Azure requires soft delete and purge protection for disk encryption. */
export function recoveryProblem(facts: ProviderKeyFacts): AppError | null {
  if (purgeProtected(facts.recoveryLevel)) return null;
  return new AppError("VALIDATION_FAILED", `The key's vault does not have purge protection on (recovery level ${facts.recoveryLevel ?? "unknown"}).`, {
    fix: "Turn on soft delete and purge protection on the vault (az keyvault update --enable-purge-protection true), then submit again.",
  });
}
