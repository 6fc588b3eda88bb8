// The provider-side Azure writes of an offboarding, as the provider's managed identity (like the support console):
// a disk back to platform-managed keys, a disk deleted, the disk encryption set deleted. Each is idempotent: a disk
// already on platform-managed keys, or a disk or DES already gone, is success.
import { azureFailure } from "../azure/errors";
import { providerCompute } from "../provisioning/des";
import { armName } from "../support/azure";

const lroPoll = () => ({ updateIntervalInMs: 1000 });

function compute() {
  return providerCompute({ sdkRetries: 3 });
}

const gone = (error: unknown) => azureFailure(error).status === 404;

export type DiskFacts = { id: string; name: string; vmId: string | undefined; encryptionType: string | undefined; diskEncryptionSetId: string | undefined } | null;

/** The disk's encryption and the VM it is attached to, or null when the disk no longer exists. */
export async function readDisk(diskId: string): Promise<DiskFacts> {
  const { resourceGroup, name } = armName(diskId, "disks");
  try {
    const disk = await compute().disks.get(resourceGroup, name);
    return { id: diskId, name, vmId: disk.managedBy ?? undefined, encryptionType: disk.encryption?.type, diskEncryptionSetId: disk.encryption?.diskEncryptionSetId ?? undefined };
  } catch (error) {
    if (gone(error)) return null;
    throw error;
  }
}

/**
 * Switches the disk to EncryptionAtRestWithPlatformKey. Azure refuses while the disk is attached to a VM that is not
 * deallocated (the caller deallocates it first).
 */
export async function moveDiskToPlatformKey(diskId: string): Promise<void> {
  const { resourceGroup, name } = armName(diskId, "disks");
  await compute().disks.beginUpdateAndWait(resourceGroup, name, { encryption: { type: "EncryptionAtRestWithPlatformKey" } }, lroPoll());
}

/** Deletes an unattached disk (Azure refuses attached ones); a disk already gone is success. */
export async function deleteDisk(diskId: string): Promise<void> {
  const { resourceGroup, name } = armName(diskId, "disks");
  try {
    await compute().disks.beginDeleteAndWait(resourceGroup, name, lroPoll());
  } catch (error) {
    if (!gone(error)) throw error;
  }
}

/** Deletes the disk encryption set; Azure refuses while any disk still uses it. A DES already gone is success. */
export async function deleteDiskEncryptionSet(armId: string): Promise<void> {
  const { resourceGroup, name } = armName(armId, "diskEncryptionSets");
  try {
    await compute().diskEncryptionSets.beginDeleteAndWait(resourceGroup, name, lroPoll());
  } catch (error) {
    if (!gone(error)) throw error;
  }
}

/** Whether the disk encryption set still exists in Azure. */
export async function diskEncryptionSetExists(armId: string): Promise<boolean> {
  const { resourceGroup, name } = armName(armId, "diskEncryptionSets");
  try {
    await compute().diskEncryptionSets.get(resourceGroup, name);
    return true;
  } catch (error) {
    if (gone(error)) return false;
    throw error;
  }
}
