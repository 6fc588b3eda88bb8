// Job PROVISION_DES: create (or adopt) the customer's disk encryption set in the provider subscription and
// follow the long-running operation to the end. Every step converges: re-running after a crash, a timeout
// or a duplicate wake-up finds the same named DES and either adopts it, waits for it, or PUTs it again.
import type { DiskEncryptionSet as ArmDiskEncryptionSet } from "@azure/arm-compute";
import { recordAudit } from "../audit/log";
import type { Db } from "../db/client";
import { serverEnv } from "../env";
import { describeHealthCause } from "../health/causes";
import type { JobContext, JobHandler, JobOutcome } from "../jobs/types";
import { azureRequestIds, classifyAzureError, retryDecision } from "./azure-errors";
import { desDefinition, isTerminalArmState, matchesDesired, providerCompute, type DesiredDes } from "./des";
import { blockingItems, checkProviderReadiness } from "./readiness";
import { ARM_WRITE_BUCKET, providerArmGate, sleep } from "./write-gate";

export type ProvisionPayload = { diskEncryptionSetId: string; keyUrl: string; region: string };

/** Thrown inside the handler for failures we detect ourselves (not Azure's answer). */
class StopProvisioning extends Error {
  constructor(readonly azureCode: string, readonly healthCause: Parameters<typeof describeHealthCause>[0]) {
    super(azureCode);
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 404 || e.code === "ResourceNotFound" || e.code === "NotFound";
}

/**
 * The compute client for provisioning: every request it sends first takes a token from the fleet's shared ARM budget,
 * reads (GET: reads of the DES, each poll of the operation, and the SDK's own GET of the DES when it ends) from the
 * read budget, writes from the write budget. Counted as they go out, so no request goes without its token.
 */
function gatedCompute(ctx: JobContext, onRetryAfter?: (ms: number) => void) {
  return providerCompute({ onRetryAfter, beforeRequest: (method) => providerArmGate(ctx.db, method).acquire(ctx.signal) });
}

/** Waits for a DES someone (maybe a previous attempt) left mid-operation, by reading it until it settles. */
async function waitUntilSettled(ctx: JobContext, name: string): Promise<ArmDiskEncryptionSet | undefined> {
  const compute = gatedCompute(ctx);
  const rg = serverEnv().PROVIDER_RESOURCE_GROUP;
  for (;;) {
    let current: ArmDiskEncryptionSet;
    try {
      current = await compute.diskEncryptionSets.get(rg, name, { abortSignal: ctx.signal });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    if (isTerminalArmState(current.provisioningState)) return current;
    await sleep(ctx.pollIntervalMs, ctx.signal);
  }
}

/**
 * PUTs the DES (after taking a token from the fleet's shared ARM write budget) and follows the operation, polling
 * no faster than Azure's Retry-After asks. `mayExist`: an earlier attempt may have created it; read it first and
 * adopt it when it already is what we want. A first attempt skips that read: PUT is idempotent anyway.
 */
async function createOrAdopt(ctx: JobContext, desired: DesiredDes, mayExist: boolean): Promise<ArmDiskEncryptionSet> {
  if (mayExist) {
    const existing = await waitUntilSettled(ctx, desired.name);
    if (existing?.provisioningState === "Succeeded" && matchesDesired(existing, desired)) return existing;
  }
  let retryAfterMs: number | undefined;
  const compute = gatedCompute(ctx, (ms) => (retryAfterMs = ms));
  const poller = compute.diskEncryptionSets.createOrUpdate(serverEnv().PROVIDER_RESOURCE_GROUP, desired.name, desDefinition(desired), {
    updateIntervalInMs: ctx.pollIntervalMs,
    abortSignal: ctx.signal,
  });
  await poller.submitted();
  // The SDK would poll at once after the PUT and then every updateIntervalInMs; Azure asks for Retry-After. Each
  // poll, and the GET of the DES after the last one, takes its token from the read budget on its way out.
  while (!poller.isDone) {
    await sleep(retryAfterMs ?? ctx.pollIntervalMs, ctx.signal);
    await poller.poll({ abortSignal: ctx.signal });
  }
  const result = await poller.pollUntilDone({ abortSignal: ctx.signal });
  if (result.provisioningState && result.provisioningState !== "Succeeded") {
    throw Object.assign(new Error(`The long-running operation has failed. DiskEncryptionSet${result.provisioningState}. The disk encryption set ended in state ${result.provisioningState}.`), {});
  }
  return result;
}

function customerMessage(cause: Parameters<typeof describeHealthCause>[0]): string {
  const info = describeHealthCause(cause);
  return `${info.title}. ${info.customerFix}`;
}

async function markFailed(db: Db, ctx: JobContext, desId: string, customerTenantId: string | null, azureCode: string, cause: string): Promise<JobOutcome> {
  const message = customerMessage(cause);
  await db.diskEncryptionSet.updateMany({ where: { id: desId, provisioningState: { in: ["QUEUED", "CREATING"] } }, data: { provisioningState: "FAILED", lastErrorCode: azureCode, lastErrorMessage: message } });
  await recordAudit(db, { actorType: "SYSTEM", actorId: "provisioning-worker", action: "provisioning.failed", targetType: "DiskEncryptionSet", targetId: desId, customerTenantId, result: "FAILURE", details: { jobId: ctx.job.id, attempt: ctx.attempt, azureCode, cause } });
  return { status: "failed", errorCode: azureCode, errorMessage: message, result: { cause } };
}

let readinessConfirmedAt = 0;
let readinessCheck: Promise<void> | undefined;

/**
 * Before the first DES ever: is the provider side (app, UAMI, federated credential) set up? Cached once it is, and
 * checked once per process at a time: the jobs that start together share one check instead of each calling Azure.
 */
function ensureProviderReady(db: Db): Promise<void> {
  if (Date.now() - readinessConfirmedAt < 10 * 60_000) return Promise.resolve();
  readinessCheck ??= confirmProviderReady(db).finally(() => {
    readinessCheck = undefined;
  });
  return readinessCheck;
}

async function confirmProviderReady(db: Db): Promise<void> {
  const anyCreated = await db.diskEncryptionSet.count({ where: { provisioningState: { in: ["SUCCEEDED", "UPDATING"] } } });
  if (anyCreated > 0) {
    readinessConfirmedAt = Date.now();
    return;
  }
  const report = await checkProviderReadiness();
  if (!report.ok) {
    const [failing] = blockingItems(report);
    // Azure throttled or failed the check itself: retry like any transient error.
    if (failing?.transient) throw Object.assign(new Error(`Provider readiness check could not run: ${failing.detail}`), { statusCode: 503, code: failing.azureCode ?? "ReadinessCheckUnavailable" });
    throw new StopProvisioning(`ProviderNotReady:${failing?.id ?? "unknown"}`, failing?.id === "fic-match" ? "FIC_MISSING" : "PROVIDER_PERMISSION");
  }
  readinessConfirmedAt = Date.now();
}

export const provisionDesHandler: JobHandler = {
  kind: "PROVISION_DES",
  // A provisioning job spends its time waiting: for its write token, then for the DES operation (a second or more).
  // Half of ARM's write bucket per worker lets the usual two workers spend a full bucket at once; after that the
  // shared write budget, not the slots, sets the pace.
  concurrency: (workerConcurrency) => Math.max(workerConcurrency, ARM_WRITE_BUCKET / 2),
  async run(ctx) {
    const { db, job } = ctx;
    const payload = job.payload as ProvisionPayload;
    const des = await db.diskEncryptionSet.findUnique({ where: { id: payload.diskEncryptionSetId }, include: { keyReference: true } });
    if (!des) return { status: "failed", errorCode: "DiskEncryptionSetRowMissing", errorMessage: "The disk encryption set record was deleted before it could be created." };
    if (des.provisioningState === "SUCCEEDED" && des.armId) return { status: "succeeded", result: { armId: des.armId, adopted: true } };
    await db.diskEncryptionSet.updateMany({ where: { id: des.id, provisioningState: "QUEUED" }, data: { provisioningState: "CREATING" } });
    const desired: DesiredDes = { name: des.name, region: des.region, keyUrl: des.keyReference.keyUrl, rotationToLatest: des.rotationToLatest };
    try {
      if (!serverEnv().PROVIDER_DES_REGIONS.includes(des.region)) throw new StopProvisioning("RegionNotSupported", "REGION_MISMATCH");
      await ensureProviderReady(db);
      const result = await createOrAdopt(ctx, desired, !(ctx.attempt === 1 && des.provisioningState === "QUEUED"));
      const keyChangedAt = result.lastKeyRotationTimestamp ? new Date(result.lastKeyRotationTimestamp) : null;
      await db.diskEncryptionSet.update({
        where: { id: des.id },
        data: { provisioningState: "SUCCEEDED", armId: result.id ?? null, lastErrorCode: null, lastErrorMessage: null, ...(keyChangedAt ? { lastKeyRotationAt: keyChangedAt } : {}) },
      });
      await recordAudit(db, { actorType: "SYSTEM", actorId: "provisioning-worker", action: "provisioning.succeeded", targetType: "DiskEncryptionSet", targetId: result.id ?? des.id, customerTenantId: des.customerTenantId, result: "SUCCESS", details: { jobId: job.id, attempt: ctx.attempt, name: des.name, region: des.region, keyUrl: desired.keyUrl } });
      return { status: "succeeded", result: { armId: result.id ?? null, provisioningState: result.provisioningState ?? "Succeeded" } };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if (error instanceof StopProvisioning) return markFailed(db, ctx, des.id, des.customerTenantId, error.azureCode, error.healthCause);
      const failure = classifyAzureError(error);
      ctx.log.warn({ kind: failure.kind, azureCode: failure.azureCode, detail: failure.message.slice(0, 500), ...azureRequestIds(error) }, "DES provisioning attempt failed");
      // A throttled write means ARM's write bucket is empty for every worker; a throttled read (a poll), its read bucket.
      const method = (error as { request?: { method?: string } }).request?.method ?? "PUT";
      if (failure.kind === "retryable" && failure.reason === "throttled") await providerArmGate(db, method).pause(failure.retryAfterMs ?? 1000);
      const elapsed = Date.now() - (job.startedAt ?? job.createdAt).getTime();
      const decision = retryDecision(failure, ctx.attempt, elapsed, ctx.policy);
      if (!decision.retry) return markFailed(db, ctx, des.id, des.customerTenantId, failure.azureCode, failure.kind === "retryable" ? "AZURE_UNAVAILABLE" : failure.cause);
      const reason = failure.kind === "propagation" ? "Waiting for the key role to reach Key Vault (role assignments can take minutes)." : failure.kind === "retryable" && failure.reason === "throttled" ? "Azure is throttling writes; waiting as it asked." : "Azure did not answer; retrying with backoff.";
      await db.diskEncryptionSet.updateMany({ where: { id: des.id, provisioningState: "CREATING" }, data: { lastErrorCode: failure.azureCode, lastErrorMessage: reason } });
      return { status: "retry", delayMs: decision.delayMs, errorCode: failure.azureCode, errorMessage: reason };
    }
  },
};
