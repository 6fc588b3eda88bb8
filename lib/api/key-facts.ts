// The key's facts as the provider's CMK app sees them across tenants (Key Vault data plane, `get`, the support
// console's reader). An app-only pipeline gives the portal no delegated token for the customer's ARM, so the vault's
// own settings come from the key: its recoveryLevel says whether purge protection is on
// (https://learn.microsoft.com/rest/api/keyvault/keys/get-key/get-key#deletionrecoverylevel).
import { AppError } from "../errors";
import { toAzureAppError } from "../azure/errors";
import { parseVersionedKeyUrl } from "../onboarding/checks";
import { readKeyFacts, type CustomerKeyFacts } from "../support/azure";

export async function readKeyAsProvider(customerTenantId: string, keyUrl: string): Promise<CustomerKeyFacts> {
  const parsed = parseVersionedKeyUrl(keyUrl);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `Not a usable key URL: ${parsed.reason}`, { fix: "Send the versioned key identifier, https://{vault}.vault.azure.net/keys/{name}/{version}." });
  try {
    return await readKeyFacts(customerTenantId, parsed.key);
  } catch (error) {
    throw toAzureAppError(error, "read the key as the provider's app", {
      Forbidden: "The provider's app has no access to this key yet: assign it “Key Vault Crypto Service Encryption User” on the key (role assignments can take a few minutes to apply), then retry.",
    });
  }
}

/** Azure refuses disk encryption sets with keys from vaults without purge protection (recovery level "…Purgeable"). */
export function recoveryProblem(facts: CustomerKeyFacts): AppError | null {
  if (facts.recoveryLevel !== undefined && !/purgeable/i.test(facts.recoveryLevel)) return null;
  return new AppError("VALIDATION_FAILED", `The key's vault does not have purge protection on (recovery level ${facts.recoveryLevel ?? "unknown"}).`, {
    fix: "Turn on purge protection on the vault (az keyvault update --enable-purge-protection true; it cannot be undone), then submit again.",
  });
}
