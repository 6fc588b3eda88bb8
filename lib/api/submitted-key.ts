// What /api/v1 submit decides about a key without the caller's word for it: which kind of store holds it (the key
// URL's host says), that the resource id names that very store, and the region of the disk encryption set (the key's
// vault or pool says where it is). Pure: the Azure reads happen in customer.ts.
import { AppError } from "../errors";
import { keyStoreOf } from "../azure/key-url";
import { parseHsmResourceId } from "../azure/managed-hsm";
import { parseVaultResourceId } from "../onboarding/access";
import { normaliseRegion, type ParsedKeyUrl } from "../onboarding/checks";

export type SubmittedPermissionModel = "RBAC" | "ACCESS_POLICY" | "MANAGED_HSM";

export type SubmittedKeyStore = { kind: "vault" | "managedHsm"; name: string; subscriptionId: string; resourceId: string; permissionModel: SubmittedPermissionModel };

const HSM_ID_FORM = "/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.KeyVault/managedHSMs/{name}";
const VAULT_ID_FORM = "/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}";

/**
 * The key's store: a Managed HSM key (its URL on a `managedhsm.…` host) needs the pool's resource id and is always
 * granted through the pool's local RBAC; a vault key needs the vault's id, and its permission model is the caller's
 * (RBAC unless said otherwise) because an app-only caller gives the portal no way to read the vault's settings.
 */
export function submittedKeyStore(key: ParsedKeyUrl, input: { vaultResourceId: string; permissionModel?: SubmittedPermissionModel }): SubmittedKeyStore {
  const host = keyStoreOf(key.vaultUri);
  if (host.kind === "managedHsm") {
    const pool = parseHsmResourceId(input.vaultResourceId);
    if (!pool) throw invalid("vaultResourceId", "The key is in a Managed HSM: vaultResourceId must be the pool's resource id.", `Send ${HSM_ID_FORM}.`);
    if (pool.hsmName.toLowerCase() !== host.name) throw invalid("vaultResourceId", `vaultResourceId names the pool ${pool.hsmName}, but the key is in ${host.name}.`, `Send the resource id of ${host.name}.`);
    if (input.permissionModel && input.permissionModel !== "MANAGED_HSM") {
      throw invalid("permissionModel", `A key in a Managed HSM is granted through the pool's local RBAC, not ${input.permissionModel}.`, "Leave permissionModel out (or send MANAGED_HSM).");
    }
    return { kind: "managedHsm", name: host.name, subscriptionId: pool.subscriptionId, resourceId: pool.hsmResourceId, permissionModel: "MANAGED_HSM" };
  }
  const vault = parseVaultResourceId(input.vaultResourceId);
  if (!vault) throw invalid("vaultResourceId", "vaultResourceId is not a key vault resource id.", `Send ${VAULT_ID_FORM}.`);
  if (vault.vaultName.toLowerCase() !== host.name) throw invalid("vaultResourceId", `vaultResourceId names the vault ${vault.vaultName}, but the key is in ${host.name}.`, `Send the resource id of ${host.name}.`);
  if (input.permissionModel === "MANAGED_HSM") throw invalid("permissionModel", "The key is in a key vault, not a Managed HSM.", "Send RBAC or ACCESS_POLICY (how the vault grants access), or leave it out for RBAC.");
  return { kind: "vault", name: host.name, subscriptionId: vault.subscriptionId, resourceId: vault.vaultResourceId, permissionModel: input.permissionModel ?? "RBAC" };
}

export type DesRegion = { region: string; source: "key-store" | "caller" };

/**
 * Azure creates a disk encryption set only in its key's region (learn.microsoft.com/azure/virtual-machines/disk-encryption,
 * "Restrictions"). When the key's vault or pool named its region, that is the region, and a different one sent by the
 * caller is refused here rather than by Azure later; when it did not, the caller's region is used, if it is one of the
 * provider's.
 */
export function desRegionFor(input: { storeRegion: string | undefined; requested: string | undefined; regions: string[]; store: string }): DesRegion {
  const store = input.storeRegion ? normaliseRegion(input.storeRegion) : undefined;
  const requested = input.requested ? normaliseRegion(input.requested) : undefined;
  const offered = input.regions.join(", ");
  if (store) {
    if (!input.regions.includes(store)) {
      throw invalid("keyUrl", `The key's ${input.store} is in ${store}, but the provider creates disk encryption sets only in ${offered}, and a disk encryption set must be in its key's region.`, `Use a key in a ${input.store} in ${input.regions.join(" or ")}.`);
    }
    if (requested && requested !== store) {
      throw invalid("region", `region is ${requested}, but the key's ${input.store} is in ${store}: Azure creates a disk encryption set only in its key's region.`, `Send region ${store}, or leave it out.`);
    }
    return { region: store, source: "key-store" };
  }
  if (!requested) throw invalid("region", `The key's ${input.store} did not say which region it is in.`, `Send region: the ${input.store}'s region (one of ${offered}).`);
  if (!input.regions.includes(requested)) throw invalid("region", `The provider creates disk encryption sets only in ${offered}.`, "Send one of these regions: the one where your disks run.");
  return { region: requested, source: "caller" };
}

function invalid(field: string, message: string, fix: string): AppError {
  return new AppError("VALIDATION_FAILED", message, { fix, fields: { [field]: message } });
}
