// The Azure calls behind the support console. Provider side (disk encryption sets, disks, VMs) as the
// provider's managed identity through @azure/arm-compute; customer side (key versions) only through the
// CMK app's federated token in the customer's tenant — support staff never act with their own access.
import type { DiskEncryptionSet } from "@azure/arm-compute";
import { KeyClient } from "@azure/keyvault-keys";
import { customerTenantCredential } from "../azure/credentials";
import { keyFactsOf } from "../azure/key-facts";
import { parseVaultUri } from "../azure/key-url";
import { serverEnv } from "../env";
import { AppError } from "../errors";
import { providerCompute } from "../provisioning/des";
import type { KeyFacts, ParsedKeyUrl } from "../onboarding/checks";

/** A new object per call: SDK methods may write into the options they are given. */
const lroPoll = () => ({ updateIntervalInMs: 1000 });

/** The console's reads and writes keep the SDK's default retries (three). */
function compute() {
  return providerCompute({ sdkRetries: 3 });
}

/** `{resourceGroup, name}` of an ARM id of the given type (…/resourceGroups/RG/providers/Microsoft.Compute/TYPE/NAME). */
export function armName(id: string, type: "diskEncryptionSets" | "disks" | "virtualMachines"): { resourceGroup: string; name: string } {
  const match = new RegExp(`/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/${type}/([^/]+)$`, "i").exec(id);
  if (!match) throw new Error(`Not a ${type} resource id: ${id}`);
  return { resourceGroup: match[1]!, name: match[2]! };
}

export type DesState = {
  armId: string;
  keyUrl: string | undefined;
  rotationToLatest: boolean;
  lastKeyRotationAt: Date | undefined;
  previousKeys: string[];
  provisioningState: string | undefined;
  autoKeyRotationError: { code?: string; message?: string } | undefined;
};

function desState(armId: string, des: DiskEncryptionSet): DesState {
  return {
    armId,
    keyUrl: des.activeKey?.keyUrl,
    rotationToLatest: des.rotationToLatestKeyVersionEnabled ?? false,
    lastKeyRotationAt: des.lastKeyRotationTimestamp ? new Date(des.lastKeyRotationTimestamp) : undefined,
    previousKeys: (des.previousKeys ?? []).map((k) => k.keyUrl).filter((u): u is string => Boolean(u)),
    provisioningState: des.provisioningState,
    autoKeyRotationError: des.autoKeyRotationError ? { code: des.autoKeyRotationError.code, message: des.autoKeyRotationError.message } : undefined,
  };
}

export async function readDes(armId: string): Promise<DesState> {
  const { resourceGroup, name } = armName(armId, "diskEncryptionSets");
  return desState(armId, await compute().diskEncryptionSets.get(resourceGroup, name));
}

/** Points the DES at another key version (Azure validates the key synchronously) and/or switches auto-rotation. */
export async function updateDes(armId: string, change: { keyUrl?: string; rotationToLatest?: boolean }): Promise<DesState> {
  const { resourceGroup, name } = armName(armId, "diskEncryptionSets");
  const updated = await compute().diskEncryptionSets.beginUpdateAndWait(
    resourceGroup,
    name,
    { ...(change.keyUrl ? { activeKey: { keyUrl: change.keyUrl } } : {}), ...(change.rotationToLatest === undefined ? {} : { rotationToLatestKeyVersionEnabled: change.rotationToLatest }) },
    lroPoll(),
  );
  return desState(armId, updated);
}

export type AssociatedDisk = { id: string; name: string; vmId: string | undefined };
export type VmPower = { id: string; name: string; powerState: string };

/** The disks (and snapshots) encrypted with the DES, each with the VM it is attached to. */
export async function associatedDisks(armId: string): Promise<AssociatedDisk[]> {
  const { resourceGroup, name } = armName(armId, "diskEncryptionSets");
  const client = compute();
  const disks: AssociatedDisk[] = [];
  for await (const id of client.diskEncryptionSets.listAssociatedResources(resourceGroup, name)) {
    if (!/\/providers\/Microsoft\.Compute\/disks\//i.test(id)) {
      disks.push({ id, name: id.split("/").pop() ?? id, vmId: undefined });
      continue;
    }
    const ref = armName(id, "disks");
    const disk = await client.disks.get(ref.resourceGroup, ref.name);
    disks.push({ id, name: ref.name, vmId: disk.managedBy ?? undefined });
  }
  return disks;
}

export async function vmPower(vmId: string): Promise<VmPower> {
  const { resourceGroup, name } = armName(vmId, "virtualMachines");
  const view = await compute().virtualMachines.instanceView(resourceGroup, name);
  const code = view.statuses?.map((s) => s.code ?? "").find((c) => c.startsWith("PowerState/"));
  return { id: vmId, name, powerState: code?.slice("PowerState/".length) ?? "unknown" };
}

export async function deallocateVm(vmId: string): Promise<void> {
  const { resourceGroup, name } = armName(vmId, "virtualMachines");
  await compute().virtualMachines.beginDeallocateAndWait(resourceGroup, name, lroPoll());
}

export async function startVm(vmId: string): Promise<void> {
  const { resourceGroup, name } = armName(vmId, "virtualMachines");
  await compute().virtualMachines.beginStartAndWait(resourceGroup, name, lroPoll());
}

export type KeyVersionInfo = { version: string; keyUrl: string; enabled: boolean; createdOn: Date | undefined; expiresOn: Date | undefined; notBefore: Date | undefined };

/**
 * The vault URI is checked before any request (the SDK sends the CMK app's token to whichever host answers
 * with a challenge). A new options object per client: SDK constructors append their user-agent prefix to it.
 */
function keyClient(customerTenantId: string, vaultUri: string): KeyClient {
  const checked = parseVaultUri(vaultUri, serverEnv().KEY_VAULT_DNS_SUFFIXES);
  if (!checked.ok) throw new AppError("VALIDATION_FAILED", `Not a Key Vault address: ${checked.reason}`, { fix: "Use a key in a Key Vault of the provider's Azure cloud." });
  return new KeyClient(checked.vaultUri, customerTenantCredential(customerTenantId), { retryOptions: { maxRetries: 2 } });
}

/** Every version of the key, oldest first, read with the federated token (the customer's own role assignment). */
export async function listKeyVersions(customerTenantId: string, vaultUri: string, keyName: string): Promise<KeyVersionInfo[]> {
  const versions: KeyVersionInfo[] = [];
  for await (const props of keyClient(customerTenantId, vaultUri).listPropertiesOfKeyVersions(keyName)) {
    if (!props.version) continue;
    versions.push({
      version: props.version.toLowerCase(),
      keyUrl: `${vaultUri}keys/${props.name}/${props.version.toLowerCase()}`,
      enabled: props.enabled ?? true,
      createdOn: props.createdOn,
      expiresOn: props.expiresOn,
      notBefore: props.notBefore,
    });
  }
  return versions.sort((a, b) => (a.createdOn?.getTime() ?? 0) - (b.createdOn?.getTime() ?? 0));
}

/**
 * `region`: where the key's vault or pool is, as its answer says (`x-ms-keyvault-region`, which Key Vault and Managed
 * HSM send with every response; not part of the documented API, so undefined when absent).
 */
export type CustomerKeyFacts = KeyFacts & { recoveryLevel: string | undefined; region: string | undefined };

/** What the wizard's key check needs, read through the federated token instead of the admin's own access. */
export async function readKeyFacts(customerTenantId: string, key: ParsedKeyUrl): Promise<CustomerKeyFacts> {
  let region: string | undefined;
  const found = await keyClient(customerTenantId, key.vaultUri).getKey(key.keyName, {
    version: key.version,
    onResponse: (response) => {
      region = response.headers.get("x-ms-keyvault-region")?.trim() || undefined;
    },
  });
  return {
    ...keyFactsOf(found),
    recoveryLevel: found.properties.recoveryLevel,
    region,
  };
}
