// The OFFBOARD job: the provider side of an approved offboarding. Crash-safe by re-reading Azure at every step:
// a disk already on platform-managed keys (or gone) no longer appears among the DES's associated resources, a VM
// is recorded as stopped before it is deallocated (so it is started again even after a crash), and a DES already
// deleted is success. Running it again converges on the same end state.
import type { Db } from "../db/client";
import type { Job, Offboarding } from "../db/generated/prisma/client";
import type { OffboardingState } from "../db/generated/prisma/enums";
import { AppError } from "../errors";
import { RetryableFailure } from "../provisioning/azure-errors";
import { associatedDisks, deallocateVm, startVm, vmPower } from "../support/azure";
import { auditSystem } from "../support/context";
import { notifyCustomerAdmins } from "../support/notifications";
import { deleteDisk, deleteDiskEncryptionSet, diskEncryptionSetExists, moveDiskToPlatformKey } from "./azure";
import { liveDiskEncryptionSets } from "./service";
import { isDiskPolicy, JOB_STATES, PROVIDER_FINISHED, type DiskPolicy } from "./state";

type Payload = { offboardingId: string; requestId: string | null };

const SETTLE_POLL_MS = 1_000;
const SETTLE_LIMIT_MS = 10 * 60_000;

function audit(db: Db, row: Offboarding, job: Job, action: string, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>) {
  const { requestId } = job.payload as Payload;
  return auditSystem(db, row.customerTenantId, action, result, { targetType: "offboarding", targetId: row.id, requestId, details: { jobId: job.id, approvedBy: row.approvedByOid, executedBy: row.executedByOid, ...details } });
}

async function setState(db: Db, row: Offboarding, state: OffboardingState, data: Record<string, unknown> = {}): Promise<Offboarding> {
  return db.offboarding.update({ where: { id: row.id }, data: { state, ...data } });
}

/** The VM's power state once an operation someone already started (a crashed attempt's) has ended. */
async function settledPower(vmId: string): Promise<string> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  for (;;) {
    const { powerState } = await vmPower(vmId);
    if (powerState !== "deallocating" && powerState !== "starting") return powerState;
    if (Date.now() > deadline) throw new RetryableFailure("VmOperationInProgress", `The VM ${vmId.split("/").pop()} has been ${powerState} for more than ${SETTLE_LIMIT_MS / 60_000} minutes.`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** One disk off the customer's key per the policy. Returns the VMs recorded as stopped (the row is updated first). */
async function detachDisk(db: Db, row: Offboarding, job: Job, policy: DiskPolicy, disk: { id: string; name: string; vmId: string | undefined }): Promise<Offboarding> {
  let current = row;
  if (policy === "delete") {
    if (disk.vmId) {
      throw new AppError("CONFLICT", `Disk ${disk.name} is attached to VM ${disk.vmId.split("/").pop()}; the provider's policy is to delete disks, and Azure deletes only unattached disks.`, {
        azureCode: "DiskAttached",
        fix: "Detach the disk from its VM (or delete the VM) in the provider's subscription, then start the offboarding again.",
      });
    }
    await deleteDisk(disk.id);
  } else {
    if (disk.vmId) {
      const power = await settledPower(disk.vmId);
      if (power !== "deallocated") {
        // Recorded before the deallocation: a crash in between still starts the VM again at the end.
        if (!current.stoppedVmIds.includes(disk.vmId)) current = await db.offboarding.update({ where: { id: row.id }, data: { stoppedVmIds: [...current.stoppedVmIds, disk.vmId] } });
        await deallocateVm(disk.vmId);
      }
    }
    await moveDiskToPlatformKey(disk.id);
  }
  current = await db.offboarding.update({ where: { id: row.id }, data: { disksDone: [...new Set([...current.disksDone, disk.id])] } });
  await audit(db, current, job, policy === "delete" ? "offboarding.disk.delete" : "offboarding.disk.platform_key", "SUCCESS", { diskId: disk.id, vmId: disk.vmId ?? null });
  return current;
}

export async function runOffboardJob(db: Db, job: Job): Promise<Record<string, unknown>> {
  const { offboardingId } = job.payload as Payload;
  let row = await db.offboarding.findUniqueOrThrow({ where: { id: offboardingId } });
  if (PROVIDER_FINISHED.includes(row.state) || row.state === "CANCELLED") return { state: row.state };
  if (!JOB_STATES.includes(row.state)) throw new AppError("CONFLICT", `The offboarding is ${row.state.toLowerCase()}, not approved.`);
  if (!isDiskPolicy(row.diskPolicy)) throw new AppError("VALIDATION_FAILED", `Unknown disk policy ${row.diskPolicy}.`);
  const policy = row.diskPolicy;
  const sets = await liveDiskEncryptionSets(db, row.customerTenantId);

  if (row.state === "APPROVED") row = await setState(db, row, "DISKS_DETACHING");
  if (row.state === "DISKS_DETACHING") {
    for (const des of sets) {
      if (!des.armId || !(await diskEncryptionSetExists(des.armId))) continue;
      // Read again each time: a disk switched by an earlier (crashed) attempt is no longer listed.
      for (const disk of await associatedDisks(des.armId)) row = await detachDisk(db, row, job, policy, disk);
    }
    for (const vmId of row.stoppedVmIds) {
      if ((await settledPower(vmId)) !== "running") await startVm(vmId);
    }
    row = await setState(db, row, "DES_DELETING");
  }

  for (const des of sets) {
    await db.diskEncryptionSet.update({ where: { id: des.id }, data: { provisioningState: "DELETING" } });
    if (des.armId) await deleteDiskEncryptionSet(des.armId);
    await db.diskEncryptionSet.update({ where: { id: des.id }, data: { provisioningState: "DELETED" } });
    await audit(db, row, job, "offboarding.des.delete", "SUCCESS", { diskEncryptionSetId: des.id, armId: des.armId });
  }
  const now = new Date();
  row = await setState(db, row, "PROVIDER_DONE", { desDeletedAt: now, providerDoneAt: now, lastErrorCode: null, lastErrorMessage: null });
  // Nothing of the provider's uses the key any more: health checks stop.
  await db.customerTenant.update({ where: { id: row.customerTenantId }, data: { monitored: false } });
  await audit(db, row, job, "offboarding.provider_done", "SUCCESS", { disksDone: row.disksDone, restartedVmIds: row.stoppedVmIds, policy });
  await notifyCustomerAdmins(db, {
    customerTenantId: row.customerTenantId,
    kind: "OFFBOARDING_PROVIDER_DONE",
    title: "The provider no longer uses your key",
    message: `${row.disksDone.length} disk(s) ${policy === "delete" ? "were deleted" : "were moved to platform-managed keys"} and the disk encryption set was deleted. Remove the provider's role assignment on your key and its enterprise app: the status page shows how, or does it for you.`,
  });
  return { state: row.state, disksDone: row.disksDone, restartedVmIds: row.stoppedVmIds };
}

/** The job gave up: the row shows why; the executor may start it again (it resumes). */
export async function offboardFailed(db: Db, job: Job, failure: { code: string; message: string }): Promise<void> {
  const { offboardingId } = job.payload as Payload;
  const row = await db.offboarding.update({ where: { id: offboardingId }, data: { state: "FAILED", lastErrorCode: failure.code, lastErrorMessage: failure.message.slice(0, 500) } });
  await audit(db, row, job, "offboarding.provider_side", "FAILURE", { errorCode: failure.code });
}
