// What the infrastructure-as-code files are filled in with: the customer's own tenant, the provider's CMK app and
// regions, and the vault or Managed HSM pool and key the customer chose in the wizard (or suggested names to create
// them). Pure.
import type { RotationChoice } from "../../azure/key-rotation-policy";
import { parseHsmResourceId } from "../../azure/managed-hsm";
import { parseVaultResourceId } from "../access";
import { ALLOWED_KEY_SIZES, ALLOWED_KEY_TYPES } from "../checks";

type ProviderValues = {
  tenantId: string;
  cmkAppClientId: string;
  cmkAppDisplayName: string;
  providerName: string;
  /** PROVIDER_DES_REGIONS: the key must live where the provider's disks do. */
  regions: string[];
};

export type VaultIacValues = ProviderValues & {
  keyStore: "vault";
  /** The chosen vault's subscription; null before a vault is chosen (the files then ask for it). */
  subscriptionId: string | null;
  resourceGroup: string;
  vaultName: string;
  keyName: string;
  createKeyVault: boolean;
  createKey: boolean;
  /** An existing vault's permission model; vaults the files create always use Azure RBAC. */
  vaultUsesRbac: boolean;
  keyType: (typeof ALLOWED_KEY_TYPES)[number];
  keySize: (typeof ALLOWED_KEY_SIZES)[number];
  rotation: RotationChoice;
};

/**
 * A key in the Managed HSM pool the customer chose in the wizard. The pool itself is never created here: a new pool
 * serves no key until its security domain is downloaded and kept by the customer, which is no step for a script.
 */
export type HsmIacValues = ProviderValues & {
  keyStore: "managedHsm";
  subscriptionId: string;
  resourceGroup: string;
  hsmName: string;
  keyName: string;
  createKey: boolean;
  keySize: (typeof ALLOWED_KEY_SIZES)[number];
};

export type IacValues = VaultIacValues | HsmIacValues;

/** The key step's defaults: RSA 3072, rotate yearly, versions live two years, notice 30 days before expiry. */
export const IAC_KEY_DEFAULTS = { keyName: "disk-encryption-key", keyType: "RSA", keySize: 3072, rotation: { rotateEveryDays: 365, expiryDays: 730, notifyDaysBeforeExpiry: 30 } } as const;
export const IAC_DEFAULT_RESOURCE_GROUP = "cmk-keys-rg";

/** A vault name that fits Key Vault's rules (3–24 letters, digits, hyphens; starts with a letter) and is unlikely to be taken. */
export function suggestedVaultName(tenantId: string): string {
  return `cmk-${tenantId.replace(/-/g, "").slice(0, 12).toLowerCase()}`;
}

export type OnboardingChoice = { vaultResourceId: string | null; keyName: string | null; permissionModel: string | null } | null;

export function iacValuesFor(
  customer: { tenantId: string; onboarding: OnboardingChoice },
  provider: { cmkAppClientId: string; cmkAppDisplayName: string; providerName: string; regions: string[] },
): IacValues {
  const pool = customer.onboarding?.permissionModel === "MANAGED_HSM" && customer.onboarding.vaultResourceId ? parseHsmResourceId(customer.onboarding.vaultResourceId) : null;
  if (pool) {
    const keyName = customer.onboarding?.keyName;
    return {
      keyStore: "managedHsm",
      tenantId: customer.tenantId,
      ...provider,
      subscriptionId: pool.subscriptionId,
      resourceGroup: pool.resourceGroup,
      hsmName: pool.hsmName,
      keyName: keyName ?? IAC_KEY_DEFAULTS.keyName,
      createKey: !keyName,
      keySize: IAC_KEY_DEFAULTS.keySize,
    };
  }
  const vault = customer.onboarding?.vaultResourceId ? parseVaultResourceId(customer.onboarding.vaultResourceId) : null;
  const keyName = vault ? customer.onboarding?.keyName : null;
  return {
    keyStore: "vault",
    tenantId: customer.tenantId,
    ...provider,
    subscriptionId: vault?.subscriptionId ?? null,
    resourceGroup: vault?.resourceGroup ?? IAC_DEFAULT_RESOURCE_GROUP,
    vaultName: vault?.vaultName ?? suggestedVaultName(customer.tenantId),
    keyName: keyName ?? IAC_KEY_DEFAULTS.keyName,
    createKeyVault: !vault,
    createKey: !keyName,
    vaultUsesRbac: !vault || customer.onboarding?.permissionModel !== "ACCESS_POLICY",
    keyType: IAC_KEY_DEFAULTS.keyType,
    keySize: IAC_KEY_DEFAULTS.keySize,
    rotation: { ...IAC_KEY_DEFAULTS.rotation },
  };
}
