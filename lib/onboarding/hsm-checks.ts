// The rules a customer's Managed HSM pool and key must meet for a cross-tenant disk encryption set, in the style of
// the vault rules (checks.ts). Disk encryption accepts Managed HSM keys (learn.microsoft.com/azure/virtual-machines/
// disk-encryption: "Azure Key Vault Managed Hardware Security Module (HSM)"), RSA of 2048, 3072 or 4096 bits; a pool
// holds HSM-protected keys only, so the type is RSA-HSM. Pure functions.
import { checkKey, protectionChecks, type CheckItem, type KeyFacts } from "./checks";

export type HsmFacts = {
  name: string;
  location: string;
  softDeleteEnabled: boolean | undefined;
  purgeProtectionEnabled: boolean | undefined;
  /** securityDomainProperties.activationStatus. */
  activationStatus: string | undefined;
};

export function checkHsm(hsm: HsmFacts, supportedRegions: string[]): CheckItem[] {
  const name = hsm.name;
  return [
    hsm.activationStatus === "Active"
      ? { id: "activated", status: "pass", title: "Activated", reason: "The security domain has been downloaded: the pool can use keys." }
      : { id: "activated", status: "fail", title: "Activated", reason: `The pool is not activated (${hsm.activationStatus ?? "status unknown"}): until its security domain is downloaded it serves no key.`, fix: `Activate it: az keyvault security-domain download --hsm-name ${name} --sd-wrapping-keys … --sd-quorum … --security-domain-file ….` },
    ...protectionChecks(hsm, supportedRegions, {
      noun: "pool",
      refusedStores: "such a store",
      softDeleteFix: "Use a pool with soft delete on (it is on for every new Managed HSM).",
      purgeProtectionFix: `Turn it on (az keyvault update-hsm --hsm-name ${name} --enable-purge-protection true — this cannot be undone).`,
      regionFix: `Use a Managed HSM pool in ${supportedRegions.join(" or ")}.`,
    }),
    { id: "permission-model", status: "pass", title: "Permission model", reason: "Managed HSM local RBAC: the provider gets “Managed HSM Crypto Service Encryption User” on the key only." },
  ];
}

/** The vault key rules, with the type narrowed to what a pool holds and disk encryption accepts: RSA-HSM. */
export function checkHsmKey(key: KeyFacts, now = new Date()): CheckItem[] {
  return checkKey(key, now).map((item) =>
    item.id === "type" && key.keyType !== "RSA-HSM"
      ? { id: "type", status: "fail", title: "Key type", reason: `${key.keyType ?? "Unknown"} keys cannot encrypt managed disks; in a Managed HSM only RSA-HSM keys can.`, fix: "Create an RSA-HSM key (2048, 3072 or 4096 bits)." }
      : item,
  );
}
