// Why a tenant's key is not (fully) usable, or why provisioning stopped: one catalogue shared by the
// health checks, the provisioning engine, the customer's status page and the operator dashboard.
// Pure and browser-safe.

export const HEALTH_CAUSES = [
  "KEY_DISABLED",
  "KEY_EXPIRED",
  "KEY_NOT_FOUND",
  "KEY_EXPIRES_SOON",
  "KEY_UNSUPPORTED",
  "ROLE_REMOVED",
  "CONSENT_REMOVED",
  "VAULT_FIREWALL",
  "PURGE_PROTECTION_DISABLED",
  "REGION_MISMATCH",
  "FIC_MISSING",
  "AUTO_ROTATION_ERROR",
  "REENCRYPTING",
  "DES_FAILED",
  "DES_MISSING",
  "PROVIDER_PERMISSION",
  "INVALID_REQUEST",
  "REVOKED_BY_PROVIDER",
  "REVOKED_BY_CUSTOMER",
  "AZURE_UNAVAILABLE",
  "UNKNOWN_ERROR",
] as const;

export type HealthCause = (typeof HEALTH_CAUSES)[number];

export type HealthCauseInfo = {
  code: string;
  title: string;
  /** For operators: what happened and what it means for the disks. */
  explanation: string;
  /** For the customer's admins: what to do (or that the provider is on it). */
  customerFix: string;
  /** Whose move it is. */
  owner: "customer" | "provider" | "none";
};

const CATALOGUE: Record<HealthCause, Omit<HealthCauseInfo, "code">> = {
  KEY_DISABLED: {
    title: "The key is disabled",
    explanation: "The key version used by the disk encryption set is disabled in the customer's vault. Running VMs keep working until they restart; new disks and restarts fail.",
    customerFix: "In your key vault, open the key and enable the key version the portal shows (Keys → the key → the version → Enabled: Yes).",
    owner: "customer",
  },
  KEY_EXPIRED: {
    title: "The key has expired",
    explanation: "The key version's expiry date has passed; Azure refuses to wrap or unwrap with it.",
    customerFix: "Extend the key version's expiration date in your key vault, or create a new key version (the disk encryption set follows it if automatic rotation is on).",
    owner: "customer",
  },
  KEY_NOT_FOUND: {
    title: "The key was deleted or cannot be found",
    explanation: "The key (or its vault) no longer answers under the stored URL: deleted, purged or renamed.",
    customerFix: "Recover the deleted key from your vault's soft-deleted keys (Keys → Manage deleted keys → Recover). If it was purged, contact the provider to set a new key.",
    owner: "customer",
  },
  KEY_EXPIRES_SOON: {
    title: "The key expires soon",
    explanation: "The key version expires within 30 days; after that, disks encrypted with it stop working on restart.",
    customerFix: "Create a new key version or extend the expiration date in your key vault before it expires.",
    owner: "customer",
  },
  KEY_UNSUPPORTED: {
    title: "The key type or size is not supported",
    explanation: "Disk encryption needs an RSA or RSA-HSM key of 2048, 3072 or 4096 bits that allows wrapKey and unwrapKey.",
    customerFix: "Create an RSA key (2048, 3072 or 4096 bits) with wrap and unwrap permitted, then choose it in onboarding.",
    owner: "customer",
  },
  ROLE_REMOVED: {
    title: "The provider lost access to the key",
    explanation: "The CMK app's service principal in the customer tenant no longer has 'Key Vault Crypto Service Encryption User' (or, for access-policy vaults, get/wrapKey/unwrapKey) on the key.",
    customerFix: "Assign the role 'Key Vault Crypto Service Encryption User' on the key vault to the provider's app again (or restore its access policy with get, wrap key and unwrap key), e.g. from the Access step of onboarding.",
    owner: "customer",
  },
  CONSENT_REMOVED: {
    title: "The provider's app was removed from your directory",
    explanation: "The CMK app has no service principal in the customer tenant any more (enterprise app deleted or consent revoked, AADSTS700016 or AADSTS7000229), so no token can be issued there.",
    customerFix: "Grant admin consent to the provider's app again (onboarding, first step), then assign it the key role again.",
    owner: "customer",
  },
  VAULT_FIREWALL: {
    title: "Firewall blocks the provider's probe",
    explanation: "The vault's network rules refuse the provider's wrap/unwrap probe (ForbiddenByFirewall). The key and the provider's role may be fine: only the network path is closed, so this is not a revocation. Azure's disk encryption itself passes as a trusted service only if the vault lets trusted Microsoft services bypass the firewall.",
    customerFix: "In the key vault's Networking settings, allow trusted Microsoft services to bypass the firewall, or allow public access from the provider.",
    owner: "customer",
  },
  PURGE_PROTECTION_DISABLED: {
    title: "Purge protection is off on the key vault",
    explanation: "Azure requires soft delete and purge protection on vaults holding disk encryption keys.",
    customerFix: "Turn on purge protection in the key vault's Properties (it cannot be turned off again), then retry.",
    owner: "customer",
  },
  REGION_MISMATCH: {
    title: "The key vault is in another region",
    explanation: "The disk encryption set must be in the same region as the customer's key vault.",
    customerFix: "Use a key vault in one of the regions the provider supports, or ask the provider to add your vault's region.",
    owner: "customer",
  },
  FIC_MISSING: {
    title: "The provider's federated credential does not work",
    explanation: "Entra ID refused the provider's managed-identity assertion for the CMK app (AADSTS70021/700211-700213): the federated identity credential on the app is missing or does not match the UAMI's issuer, subject or audience.",
    customerFix: "Nothing to do on your side: the provider has been alerted and is fixing its configuration.",
    owner: "provider",
  },
  AUTO_ROTATION_ERROR: {
    title: "Automatic key rotation failed",
    explanation: "Azure could not switch the disk encryption set to the newest key version and turned auto-rotation off (autoKeyRotationError); disks stay on the previous version.",
    customerFix: "Make sure the provider's app can use the newest key version (role on the vault, key enabled), then ask the provider to re-enable rotation.",
    owner: "customer",
  },
  REENCRYPTING: {
    title: "Switching to a new key version",
    explanation: "The disk encryption set lists previous keys: disks are being re-wrapped with the new key version. Keep the previous version enabled until this ends.",
    customerFix: "Keep the previous key version enabled until this finishes; nothing else to do.",
    owner: "none",
  },
  DES_FAILED: {
    title: "The disk encryption set is in a failed state",
    explanation: "Azure reports provisioningState Failed for the disk encryption set.",
    customerFix: "Nothing to do on your side unless another item asks you to: the provider has been alerted.",
    owner: "provider",
  },
  DES_MISSING: {
    title: "The disk encryption set no longer exists",
    explanation: "The disk encryption set recorded as created is not found in the provider's subscription.",
    customerFix: "Nothing to do on your side: the provider has been alerted and will re-create it.",
    owner: "provider",
  },
  PROVIDER_PERMISSION: {
    title: "The provider's identity lacks a permission",
    explanation: "Azure Resource Manager refused the provider's managed identity (AuthorizationFailed / LinkedAuthorizationFailed) in the provider subscription.",
    customerFix: "Nothing to do on your side: the provider has been alerted and is fixing its configuration.",
    owner: "provider",
  },
  INVALID_REQUEST: {
    title: "Azure rejected the request",
    explanation: "Azure refused the disk encryption set definition (InvalidParameter or similar); see the attempt's Azure code.",
    customerFix: "Nothing to do on your side: the provider has been alerted.",
    owner: "provider",
  },
  REVOKED_BY_PROVIDER: {
    title: "Access revoked by the provider",
    explanation: "Support revoked this tenant's key use on purpose (see the support request); health checks do not raise incidents for it.",
    customerFix: "Your provider's support team revoked access; contact them to restore it.",
    owner: "provider",
  },
  REVOKED_BY_CUSTOMER: {
    title: "Revoked by customer",
    explanation: "The customer cut the provider off on purpose: the key version is disabled or the provider app's permission on the key was removed. Running VMs keep working until they restart; new disks and restarts fail.",
    customerFix: "If you meant to revoke access, nothing more is needed. To restore it, re-enable the key version or assign “Key Vault Crypto Service Encryption User” to the provider's app again, then ask the provider's support to restore.",
    owner: "customer",
  },
  AZURE_UNAVAILABLE: {
    title: "Azure did not answer",
    explanation: "Azure throttled or failed the check repeatedly; the result is inconclusive and the check will run again.",
    customerFix: "Nothing to do: the check runs again automatically.",
    owner: "none",
  },
  UNKNOWN_ERROR: {
    title: "Unexpected error",
    explanation: "Azure returned an error the portal does not know; see the Azure code on the attempt.",
    customerFix: "Nothing to do on your side: the provider has been alerted.",
    owner: "provider",
  },
};

/** A revocation the provider carried out stays in force until a restore: health checks leave it alone. */
export function isProviderRevoked(tenant: { healthState: string; healthCause: string | null }): boolean {
  return tenant.healthState === "REVOKED" && tenant.healthCause === "REVOKED_BY_PROVIDER";
}

export function isHealthCause(code: string): code is HealthCause {
  return (HEALTH_CAUSES as readonly string[]).includes(code);
}

/** Title, explanation and fix for a cause code; unknown codes (e.g. older rows) get a generic description. */
export function describeHealthCause(code: string): HealthCauseInfo {
  if (isHealthCause(code)) return { code, ...CATALOGUE[code] };
  return { code, ...CATALOGUE.UNKNOWN_ERROR, title: `Unexpected problem (${code})` };
}
