// One key's facts as the disk-encryption rules read them, whichever way it was read: Azure Resource Manager for a
// vault's keys (customer-arm.ts), the data plane for a Managed HSM pool's keys and for the provider's CMK app.
import type { KeyVaultKey } from "@azure/keyvault-keys";

export type KeyFacts = {
  name: string;
  keyType: string | undefined;
  keySize: number | undefined;
  operations: string[];
  enabled: boolean;
  expiresAt: Date | undefined;
  notBefore: Date | undefined;
};

/** A key as listed: its facts, its versionless URL and its current versioned URL. */
export type KeySummary = KeyFacts & { keyUri: string; keyUriWithVersion: string; currentVersion: string };

/** An RSA key's size in bits from its JWK modulus, rounded to the byte (a leading zero byte, if any, does not count). */
function rsaModulusBits(n: Uint8Array | undefined): number | undefined {
  if (!n) return undefined;
  return (n[0] === 0 ? n.length - 1 : n.length) * 8;
}

/** The facts of a key read on the data plane (@azure/keyvault-keys), from a vault or a Managed HSM pool. */
export function keyFactsOf(key: KeyVaultKey): KeyFacts {
  return {
    name: key.name,
    keyType: key.keyType,
    keySize: rsaModulusBits(key.key?.n),
    operations: key.keyOperations ?? [],
    enabled: key.properties.enabled ?? true,
    expiresAt: key.properties.expiresOn,
    notBefore: key.properties.notBefore,
  };
}
