// Entry points other features call: queue a DES for a customer (wizard submit), retry a failed one and
// run a health check now (operator actions). Each writes an audit event; none talks to Azure directly.
import { randomUUID } from "node:crypto";
import type PgBoss from "pg-boss";
import { recordAudit } from "../audit/log";
import type { Db } from "../db/client";
import { serverEnv } from "../env";
import { AppError } from "../errors";
import { createJobOnce, wakeJob } from "../jobs/enqueue";
import { logger } from "../logger";
import { desNameFor } from "./des";
import type { ProvisionPayload } from "./provision-des-job";

/** `requestedByNames`: the requester's display name and UPN, recorded in the audit event so the log names them. */
export type EnqueueProvisioningInput = { customerTenantId: string; keyReferenceId: string; rotationToLatest: boolean; requestedBy: string; requestedByNames?: { userName: string; displayName: string }; requestId?: string };

/** The queue is a wake-up only: if it is unreachable now, the worker's sweeper sends the wake-up later. */
async function wakeOrLeaveToSweeper(job: Parameters<typeof wakeJob>[0], queue?: PgBoss): Promise<void> {
  try {
    await wakeJob(job, queue);
  } catch (error) {
    logger.warn({ err: error, jobId: job.id }, "could not send the job wake-up now; the worker's sweeper will");
  }
}

/**
 * Queues creation of the tenant's DES for the key's region. Idempotent: the same tenant, region and key URL
 * always give the same DES row and Job (a double submit or a retried request changes nothing).
 */
export async function enqueueProvisioning(db: Db, input: EnqueueProvisioningInput, options: { queue?: PgBoss } = {}): Promise<{ jobId: string; diskEncryptionSetId: string }> {
  const key = await db.keyReference.findUnique({ where: { id: input.keyReferenceId }, include: { customerTenant: true } });
  if (!key || key.customerTenantId !== input.customerTenantId) {
    throw new AppError("NOT_FOUND", "The key to use was not found for this tenant.", { fix: "Choose the key again in the key step." });
  }
  const region = key.region.toLowerCase();
  if (!serverEnv().PROVIDER_DES_REGIONS.includes(region)) {
    throw new AppError("VALIDATION_FAILED", `The provider does not create disk encryption sets in ${region}.`, {
      fix: `Use a key vault in one of: ${serverEnv().PROVIDER_DES_REGIONS.join(", ")}.`,
      azureCode: "RegionNotSupported",
    });
  }
  const idempotencyKey = `provision:${input.customerTenantId}:${region}:${key.keyUrl}`;
  const { job, des, created } = await db.$transaction(async (tx) => {
    await tx.diskEncryptionSet.createMany({
      data: [{ customerTenantId: input.customerTenantId, region, name: desNameFor(key.customerTenant.tenantId, region), keyReferenceId: key.id, rotationToLatest: input.rotationToLatest }],
      skipDuplicates: true,
    });
    const des = await tx.diskEncryptionSet.findUniqueOrThrow({ where: { customerTenantId_region: { customerTenantId: input.customerTenantId, region } } });
    if (des.keyReferenceId !== key.id) {
      if (des.provisioningState !== "QUEUED" && des.provisioningState !== "FAILED") {
        throw new AppError("CONFLICT", `A disk encryption set for ${region} already exists with another key.`, { fix: "Ask the provider's support to rotate the key instead." });
      }
      // Not created in Azure yet (or failed): the newest submitted key wins.
      await tx.diskEncryptionSet.update({ where: { id: des.id }, data: { keyReferenceId: key.id, rotationToLatest: input.rotationToLatest, provisioningState: "QUEUED", lastErrorCode: null, lastErrorMessage: null } });
    }
    const payload: ProvisionPayload = { diskEncryptionSetId: des.id, keyUrl: key.keyUrl, region };
    const result = await createJobOnce(tx, { kind: "PROVISION_DES", idempotencyKey, customerTenantId: input.customerTenantId, payload, requestedBy: input.requestedBy });
    return { job: result.job, des, created: result.created };
  });
  await wakeOrLeaveToSweeper(job, options.queue);
  await recordAudit(db, {
    actorType: "CUSTOMER",
    actorId: input.requestedBy,
    actorTenantId: key.customerTenant.tenantId,
    actorRole: "CustomerAdmin",
    action: "provisioning.enqueue",
    targetType: "DiskEncryptionSet",
    targetId: des.id,
    customerTenantId: input.customerTenantId,
    result: "SUCCESS",
    requestId: input.requestId,
    details: { jobId: job.id, region, keyUrl: key.keyUrl, rotationToLatest: input.rotationToLatest, duplicate: !created, ...input.requestedByNames },
  });
  return { jobId: job.id, diskEncryptionSetId: des.id };
}

/** Operator action: queue provisioning again for the tenant's FAILED disk encryption sets (only those). */
export async function retryProvisioning(db: Db, input: { customerTenantId: string; requestedBy: string; requestId?: string }): Promise<{ jobIds: string[] }> {
  const failed = await db.diskEncryptionSet.findMany({ where: { customerTenantId: input.customerTenantId, provisioningState: "FAILED" }, include: { keyReference: true } });
  if (failed.length === 0) {
    throw new AppError("CONFLICT", "No failed disk encryption set to retry for this tenant.", { fix: "Only a disk encryption set whose provisioning failed can be retried." });
  }
  const jobIds: string[] = [];
  for (const des of failed) {
    const lastJob = await db.job.findFirst({ where: { customerTenantId: input.customerTenantId, kind: "PROVISION_DES", payload: { path: ["diskEncryptionSetId"], equals: des.id } }, orderBy: { createdAt: "desc" } });
    const job = await db.$transaction(async (tx) => {
      const reset = await tx.diskEncryptionSet.updateMany({ where: { id: des.id, provisioningState: "FAILED" }, data: { provisioningState: "QUEUED", lastErrorCode: null, lastErrorMessage: null } });
      // Keyed on the failed job: a double click queues one retry.
      const idempotencyKey = `provision-retry:${des.id}:${lastJob?.id ?? "none"}`;
      if (reset.count === 0) return tx.job.findUnique({ where: { idempotencyKey } });
      const payload: ProvisionPayload = { diskEncryptionSetId: des.id, keyUrl: des.keyReference.keyUrl, region: des.region };
      return (await createJobOnce(tx, { kind: "PROVISION_DES", idempotencyKey, customerTenantId: input.customerTenantId, payload, requestedBy: input.requestedBy })).job;
    });
    if (!job) continue;
    await wakeOrLeaveToSweeper(job);
    jobIds.push(job.id);
    await recordAudit(db, {
      actorType: "STAFF", actorId: input.requestedBy, actorRole: "Operator", action: "provisioning.retry", targetType: "DiskEncryptionSet", targetId: des.id,
      customerTenantId: input.customerTenantId, result: "SUCCESS", requestId: input.requestId, details: { jobId: job.id, previousJobId: lastJob?.id ?? null, previousErrorCode: des.lastErrorCode },
    });
  }
  return { jobIds };
}

/** Operator action: check this tenant's key health right away (the result lands on the timeline). */
export async function runHealthCheckNow(db: Db, input: { customerTenantId: string; requestedBy: string; requestId?: string }): Promise<{ jobId: string }> {
  const live = await db.diskEncryptionSet.count({ where: { customerTenantId: input.customerTenantId, provisioningState: { in: ["SUCCEEDED", "UPDATING"] } } });
  if (live === 0) throw new AppError("CONFLICT", "This tenant has no disk encryption set to check yet.", { fix: "Health checks start once provisioning has succeeded." });
  const pending = await db.job.findFirst({ where: { customerTenantId: input.customerTenantId, kind: "HEALTH_CHECK", status: { in: ["QUEUED", "RUNNING"] } } });
  const job = pending ?? (await createJobOnce(db, { kind: "HEALTH_CHECK", idempotencyKey: `health-now:${input.customerTenantId}:${randomUUID()}`, customerTenantId: input.customerTenantId, payload: { customerTenantId: input.customerTenantId }, requestedBy: input.requestedBy })).job;
  await wakeOrLeaveToSweeper(job);
  await recordAudit(db, {
    actorType: "STAFF", actorId: input.requestedBy, actorRole: "Operator", action: "health.check_now", targetType: "CustomerTenant", targetId: input.customerTenantId,
    customerTenantId: input.customerTenantId, result: "SUCCESS", requestId: input.requestId, details: { jobId: job.id, alreadyQueued: Boolean(pending) },
  });
  return { jobId: job.id };
}
