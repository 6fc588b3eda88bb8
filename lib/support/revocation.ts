// Revoke (the emergency cut-off a customer asks for) and restore. Four eyes: one support person requests
// with a reason, a SupportApprover who is not the requester approves within a time limit; only then the job
// engine deallocates the VMs that use the customer's disk encryption sets and marks the tenant Revoked.
import type { Db } from "../db/client";
import type { Job, RevocationRequest } from "../db/generated/prisma/client";
import type { RevocationStatus } from "../db/generated/prisma/enums";
import { AppError } from "../errors";
import { azureFailure } from "../azure/errors";
import { probeCustomerKey } from "../azure/key-probe";
import { RetryableFailure, TRANSIENT_PROBE_PROBLEMS } from "../provisioning/azure-errors";
import { associatedDisks, deallocateVm, startVm, vmPower, type AssociatedDisk } from "./azure";
import { auditAction, auditSystem, customerTenantById, type SupportCtx } from "./context";
import { enqueueSupportJob, openJob } from "./jobs";
import { notifyCustomerAdmins } from "./notifications";
import { PROBE_PROBLEM_TEXT } from "./rotation";

export const REVOCATION_APPROVAL_WINDOW_MS = 60 * 60_000;

const OPEN: RevocationStatus[] = ["PENDING_APPROVAL", "NEEDS_REAPPROVAL", "APPROVED", "EXECUTING", "EXECUTED", "RESTORING"];
/** Waiting for a (new) decision by a SupportApprover. */
const AWAITING_DECISION: RevocationStatus[] = ["PENDING_APPROVAL", "NEEDS_REAPPROVAL"];
const REVOCATION_LOCK = 727_101;

export type ImpactedVm = { id: string; name: string; powerState: string };
export type RevocationImpact = {
  assessedAt: string;
  diskEncryptionSets: { id: string; name: string; region: string; armId: string | null; disks: AssociatedDisk[]; error?: string }[];
  vms: ImpactedVm[];
  stops: string[];
  restore: string[];
};

/** What a revocation would stop, read live from Azure: the DES's associated resources and the VMs they belong to. */
export async function assessRevocationImpact(db: Db, customerTenantId: string): Promise<RevocationImpact> {
  const sets = await db.diskEncryptionSet.findMany({ where: { customerTenantId }, orderBy: { region: "asc" } });
  const vmIds = new Set<string>();
  const diskEncryptionSets: RevocationImpact["diskEncryptionSets"] = [];
  for (const des of sets) {
    if (!des.armId) {
      diskEncryptionSets.push({ id: des.id, name: des.name, region: des.region, armId: null, disks: [] });
      continue;
    }
    try {
      const disks = await associatedDisks(des.armId);
      disks.forEach((d) => d.vmId && vmIds.add(d.vmId));
      diskEncryptionSets.push({ id: des.id, name: des.name, region: des.region, armId: des.armId, disks });
    } catch (error) {
      const failure = azureFailure(error);
      throw new AppError("AZURE_ERROR", `Azure could not list the resources that use ${des.name}.`, { azureCode: failure.code, fix: "Try again in a minute; revocation needs a complete impact assessment.", cause: error });
    }
  }
  const vms = await Promise.all([...vmIds].sort().map((id) => vmPower(id)));
  const diskCount = diskEncryptionSets.reduce((n, d) => n + d.disks.length, 0);
  return {
    assessedAt: new Date().toISOString(),
    diskEncryptionSets,
    vms,
    stops: [
      `${vms.length} virtual machine(s) will be deallocated (stopped, compute released): ${vms.map((v) => v.name).join(", ") || "none"}.`,
      `${diskCount} managed disk(s) encrypted with the customer's key stay encrypted and unreadable until restore.`,
      "The customer's service on these VMs is unavailable; health checks show the tenant as Revoked instead of raising incidents.",
    ],
    restore: [
      "Once the customer confirms their key may be used again, a support person starts Restore.",
      "Restore proves access with a wrap/unwrap probe, starts exactly the VMs this revocation stopped, and returns the tenant to Healthy.",
      "If the customer disabled the key or removed the role, they must re-enable it first; the probe says what is still missing.",
    ],
  };
}

/** The disk and VM ARM ids of an assessment: what an approval covers, and what execution compares against. */
export function impactIds(impact: Pick<RevocationImpact, "diskEncryptionSets" | "vms">): { diskIds: string[]; vmIds: string[] } {
  const sets = impact.diskEncryptionSets ?? [];
  const diskIds = [...new Set(sets.flatMap((d) => d.disks.map((disk) => disk.id.toLowerCase())))].sort();
  const vmIds = [...new Set([...(impact.vms ?? []).map((v) => v.id.toLowerCase()), ...sets.flatMap((d) => d.disks.flatMap((disk) => (disk.vmId ? [disk.vmId.toLowerCase()] : [])))])].sort();
  return { diskIds, vmIds };
}

export type ImpactChange = { addedDisks: string[]; removedDisks: string[]; addedVms: string[]; removedVms: string[] };

/** What differs between the approved ids and a fresh assessment (empty lists: unchanged). */
export function impactChange(approved: { diskIds: string[]; vmIds: string[] }, now: { diskIds: string[]; vmIds: string[] }): ImpactChange {
  const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
  return { addedDisks: minus(now.diskIds, approved.diskIds), removedDisks: minus(approved.diskIds, now.diskIds), addedVms: minus(now.vmIds, approved.vmIds), removedVms: minus(approved.vmIds, now.vmIds) };
}

/** "added disk a, VM b; removed disk c" (names, the last segment of each ARM id). */
export function describeImpactChange(change: ImpactChange): string {
  const names = (ids: string[], what: string) => ids.map((id) => `${what} ${id.split("/").pop()}`);
  const added = [...names(change.addedDisks, "disk"), ...names(change.addedVms, "VM")];
  const removed = [...names(change.removedDisks, "disk"), ...names(change.removedVms, "VM")];
  return [added.length ? `added ${added.join(", ")}` : "", removed.length ? `removed ${removed.join(", ")}` : ""].filter(Boolean).join("; ");
}

/** Requests waiting for a decision past their deadline become EXPIRED (checked whenever requests are read or decided). */
export async function expireStaleRevocations(db: Db, now = new Date()): Promise<number> {
  const stale = await db.revocationRequest.findMany({ where: { status: { in: AWAITING_DECISION }, expiresAt: { lte: now } } });
  let expired = 0;
  for (const request of stale) {
    const changed = await db.revocationRequest.updateMany({ where: { id: request.id, status: request.status }, data: { status: "EXPIRED", decidedAt: now } });
    if (changed.count === 0) continue;
    expired += 1;
    await auditSystem(db, request.customerTenantId, "support.revoke.expire", "SUCCESS", { targetType: "revocationRequest", targetId: request.id, details: { requestedBy: request.requestedByOid, expiresAt: request.expiresAt.toISOString() } });
    await notifyCustomerAdmins(db, { customerTenantId: request.customerTenantId, kind: "REVOCATION_WITHDRAWN", title: "Revocation request expired", message: "A revocation request for your key was not approved in time and has expired. Nothing was stopped.", revocationRequestId: request.id });
  }
  return expired;
}

export async function revocationsFor(db: Db, customerTenantId: string, take = 10): Promise<RevocationRequest[]> {
  await expireStaleRevocations(db);
  return db.revocationRequest.findMany({ where: { customerTenantId }, orderBy: { requestedAt: "desc" }, take });
}

/** The revocation that currently holds the tenant (pending, approved, executing, in force, or being restored). */
export async function activeRevocation(db: Db, customerTenantId: string): Promise<RevocationRequest | null> {
  await expireStaleRevocations(db);
  return db.revocationRequest.findFirst({ where: { customerTenantId, status: { in: OPEN } }, orderBy: { requestedAt: "desc" } });
}

export async function requestRevocation(ctx: SupportCtx, input: { customerTenantId: string; reason: string }, now = new Date()): Promise<RevocationRequest> {
  const tenant = await customerTenantById(ctx.db, input.customerTenantId);
  const impact = await assessRevocationImpact(ctx.db, tenant.id);
  await expireStaleRevocations(ctx.db, now);
  const request = await ctx.db.$transaction(async (tx) => {
    // One open revocation per tenant, even when two people press the button at once.
    await tx.$executeRaw`select pg_advisory_xact_lock(${REVOCATION_LOCK}, hashtext(${tenant.id}))`;
    const open = await tx.revocationRequest.findFirst({ where: { customerTenantId: tenant.id, status: { in: OPEN } } });
    if (open) return null;
    return tx.revocationRequest.create({
      data: {
        customerTenantId: tenant.id,
        reason: input.reason,
        requestedByOid: ctx.user.userOid,
        requestedByName: ctx.user.userName,
        requestedAt: now,
        expiresAt: new Date(now.getTime() + REVOCATION_APPROVAL_WINDOW_MS),
        impact: impact as unknown as object,
        stoppedVmIds: [],
      },
    });
  });
  if (!request) {
    await auditAction(ctx, tenant.id, "support.revoke.request", "FAILURE", { reason: input.reason, details: { problem: "already-open" } });
    throw new AppError("CONFLICT", "A revocation for this customer is already pending or in force.", { fix: "Open it below: approve, reject or cancel it, or restore access first." });
  }
  await auditAction(ctx, tenant.id, "support.revoke.request", "SUCCESS", { targetType: "revocationRequest", targetId: request.id, reason: input.reason, details: { expiresAt: request.expiresAt.toISOString(), vms: impact.vms.map((v) => v.id) } });
  await notifyCustomerAdmins(ctx.db, {
    customerTenantId: tenant.id,
    kind: "REVOCATION_REQUESTED",
    title: "Revocation of your key requested",
    message: `Provider support requested to revoke access to your key (reason: ${input.reason}). If a second person approves by ${request.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${impact.vms.length} VM(s) will be stopped.`,
    revocationRequestId: request.id,
  });
  return request;
}

async function pendingRequest(ctx: SupportCtx, requestId: string, now: Date): Promise<RevocationRequest> {
  await expireStaleRevocations(ctx.db, now);
  const request = await ctx.db.revocationRequest.findUnique({ where: { id: requestId } });
  if (!request) throw new AppError("NOT_FOUND", "This revocation request does not exist.", { fix: "Reload the page." });
  return request;
}

export async function approveRevocation(ctx: SupportCtx, input: { requestId: string; note?: string }, now = new Date()): Promise<{ request: RevocationRequest; jobId: string }> {
  const request = await pendingRequest(ctx, input.requestId, now);
  const refuse = async (problem: string, error: AppError, result: "DENIED" | "FAILURE") => {
    await auditAction(ctx, request.customerTenantId, "support.revoke.approve", result, { targetType: "revocationRequest", targetId: request.id, reason: input.note ?? null, details: { problem, requestedBy: request.requestedByOid } });
    throw error;
  };
  if (request.requestedByOid === ctx.user.userOid) {
    await refuse("self-approval", new AppError("FORBIDDEN", "You cannot approve your own revocation request.", { fix: "A second person with the SupportApprover role must approve it." }), "DENIED");
  }
  if (request.status === "EXPIRED") await refuse("expired", new AppError("CONFLICT", "This revocation request has expired.", { fix: "Request the revocation again if it is still needed." }), "FAILURE");
  if (!AWAITING_DECISION.includes(request.status)) await refuse(`status-${request.status.toLowerCase()}`, new AppError("CONFLICT", "This revocation request is no longer waiting for approval.", { fix: "Reload the page to see what happened to it." }), "FAILURE");
  // The approval covers exactly the impact shown with the request (its disks and VMs); execution re-checks it.
  const approved = impactIds(request.impact as unknown as RevocationImpact);
  const changed = await ctx.db.revocationRequest.updateMany({
    where: { id: request.id, status: request.status, expiresAt: { gt: now }, requestedByOid: { not: ctx.user.userOid } },
    data: { status: "APPROVED", decidedByOid: ctx.user.userOid, decidedByName: ctx.user.userName, decidedAt: now, decisionNote: input.note ?? null, approvedDiskIds: approved.diskIds, approvedVmIds: approved.vmIds, lastErrorCode: null, lastErrorMessage: null },
  });
  if (changed.count === 0) await refuse("raced", new AppError("CONFLICT", "Someone else decided this request a moment ago.", { fix: "Reload the page." }), "FAILURE");
  const reapproval = request.status === "NEEDS_REAPPROVAL";
  const job = await enqueueSupportJob(ctx.db, { kind: "REVOKE", customerTenantId: request.customerTenantId, idempotencyKey: reapproval ? `revoke:${request.id}:reapproved:${ctx.requestId ?? now.getTime()}` : `revoke:${request.id}`, payload: { revocationRequestId: request.id, requestId: ctx.requestId ?? null }, requestedBy: ctx.user.userOid });
  const updated = await ctx.db.revocationRequest.update({ where: { id: request.id }, data: { executeJobId: job.id } });
  await auditAction(ctx, request.customerTenantId, "support.revoke.approve", "SUCCESS", { targetType: "revocationRequest", targetId: request.id, reason: input.note ?? null, details: { requestedBy: request.requestedByOid, jobId: job.id, reapproval, diskIds: approved.diskIds, vmIds: approved.vmIds } });
  return { request: updated, jobId: job.id };
}

/**
 * A revocation whose job gave up (FAILED, e.g. Azure kept refusing) runs again under the approval it already
 * has, once someone fixed the cause. VMs the failed run already stopped stay recorded; the new run skips them.
 */
export async function retryRevocation(ctx: SupportCtx, input: { requestId: string }): Promise<{ request: RevocationRequest; jobId: string }> {
  const request = await ctx.db.revocationRequest.findUnique({ where: { id: input.requestId } });
  if (!request) throw new AppError("NOT_FOUND", "This revocation request does not exist.", { fix: "Reload the page." });
  const refuse = async (problem: string, error: AppError): Promise<never> => {
    await auditAction(ctx, request.customerTenantId, "support.revoke.retry", "FAILURE", { targetType: "revocationRequest", targetId: request.id, details: { problem, status: request.status } });
    throw error;
  };
  if (request.status !== "FAILED") await refuse(`status-${request.status.toLowerCase()}`, new AppError("CONFLICT", "Only a revocation that failed can be retried.", { fix: "Reload the page to see what happened to it." }));
  if (await openJob(ctx.db, request.customerTenantId, ["REVOKE", "RESTORE"])) await refuse("busy", new AppError("CONFLICT", "A revoke or restore for this customer is still running.", { fix: "Wait until it has finished." }));
  const reopened = await ctx.db.$transaction(async (tx) => {
    // The same lock as a new request: at most one open revocation per tenant.
    await tx.$executeRaw`select pg_advisory_xact_lock(${REVOCATION_LOCK}, hashtext(${request.customerTenantId}))`;
    if (await tx.revocationRequest.findFirst({ where: { customerTenantId: request.customerTenantId, status: { in: OPEN } } })) return "other-open" as const;
    const changed = await tx.revocationRequest.updateMany({ where: { id: request.id, status: "FAILED" }, data: { status: "APPROVED", lastErrorCode: null, lastErrorMessage: null } });
    return changed.count === 1 ? ("reopened" as const) : ("raced" as const);
  });
  if (reopened === "other-open") await refuse("other-open", new AppError("CONFLICT", "Another revocation for this customer is pending or in force.", { fix: "Decide that one instead." }));
  if (reopened === "raced") await refuse("raced", new AppError("CONFLICT", "Someone else retried or restored this revocation a moment ago.", { fix: "Reload the page." }));
  const job = await enqueueSupportJob(ctx.db, { kind: "REVOKE", customerTenantId: request.customerTenantId, idempotencyKey: `revoke:${request.id}:retry:${ctx.requestId ?? Date.now()}`, payload: { revocationRequestId: request.id, requestId: ctx.requestId ?? null }, requestedBy: ctx.user.userOid });
  const retried = await ctx.db.revocationRequest.update({ where: { id: request.id }, data: { executeJobId: job.id } });
  await auditAction(ctx, request.customerTenantId, "support.revoke.retry", "SUCCESS", { targetType: "revocationRequest", targetId: request.id, details: { jobId: job.id, previousJobId: request.executeJobId, previousErrorCode: request.lastErrorCode, stoppedVmIds: request.stoppedVmIds } });
  return { request: retried, jobId: job.id };
}

export async function rejectRevocation(ctx: SupportCtx, input: { requestId: string; note: string }, now = new Date()): Promise<RevocationRequest> {
  return withdraw(ctx, input.requestId, "REJECTED", "support.revoke.reject", input.note, now);
}

/** The requester (or an approver) takes back a request that is still waiting. */
export async function cancelRevocation(ctx: SupportCtx, input: { requestId: string }, now = new Date()): Promise<RevocationRequest> {
  return withdraw(ctx, input.requestId, "CANCELLED", "support.revoke.cancel", null, now);
}

async function withdraw(ctx: SupportCtx, requestId: string, status: "REJECTED" | "CANCELLED", action: string, note: string | null, now: Date): Promise<RevocationRequest> {
  const request = await pendingRequest(ctx, requestId, now);
  const mayCancel = request.requestedByOid === ctx.user.userOid || ctx.user.roles.includes("SupportApprover");
  if (status === "CANCELLED" && !mayCancel) {
    await auditAction(ctx, request.customerTenantId, action, "DENIED", { targetType: "revocationRequest", targetId: request.id, details: { problem: "not-requester" } });
    throw new AppError("FORBIDDEN", "Only the requester or an approver can cancel this request.", { fix: "Ask them, or let it expire." });
  }
  const changed = await ctx.db.revocationRequest.updateMany({ where: { id: request.id, status: { in: AWAITING_DECISION } }, data: { status, decidedByOid: ctx.user.userOid, decidedByName: ctx.user.userName, decidedAt: now, decisionNote: note } });
  if (changed.count === 0) {
    await auditAction(ctx, request.customerTenantId, action, "FAILURE", { targetType: "revocationRequest", targetId: request.id, reason: note, details: { problem: `status-${request.status.toLowerCase()}` } });
    throw new AppError("CONFLICT", "This revocation request is no longer waiting for approval.", { fix: "Reload the page to see what happened to it." });
  }
  await auditAction(ctx, request.customerTenantId, action, "SUCCESS", { targetType: "revocationRequest", targetId: request.id, reason: note });
  await notifyCustomerAdmins(ctx.db, {
    customerTenantId: request.customerTenantId,
    kind: "REVOCATION_WITHDRAWN",
    title: status === "REJECTED" ? "Revocation request rejected" : "Revocation request cancelled",
    message: status === "REJECTED" ? `The revocation request was rejected by a second person${note ? ` (${note})` : ""}. Nothing was stopped.` : "The revocation request was cancelled. Nothing was stopped.",
    revocationRequestId: request.id,
  });
  return ctx.db.revocationRequest.findUniqueOrThrow({ where: { id: request.id } });
}

async function setTenantHealth(db: Db, customerTenantId: string, toState: "REVOKED" | "HEALTHY", cause: string | null, detail: string) {
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: customerTenantId } });
  const now = new Date();
  if (tenant.healthState === toState && tenant.healthCause === cause) return;
  await db.$transaction([
    db.customerTenant.update({ where: { id: customerTenantId }, data: { healthState: toState, healthCause: cause, lastHealthChangeAt: now, lastHealthCheckAt: now } }),
    db.healthEvent.create({ data: { customerTenantId, fromState: tenant.healthState, toState, cause, detail, occurredAt: now } }),
  ]);
}

/**
 * REVOKE handler. Each VM that is running is recorded as stopped *before* it is deallocated, so a crash in
 * between still lets restore start it; a re-run skips VMs that are already deallocated.
 */
export async function runRevokeJob(db: Db, job: Job): Promise<Record<string, unknown>> {
  const { revocationRequestId, requestId } = job.payload as RevokePayload;
  const request = await db.revocationRequest.findUniqueOrThrow({ where: { id: revocationRequestId } });
  if (request.status === "EXECUTED") return { stoppedVmIds: request.stoppedVmIds };
  if (request.status !== "APPROVED" && request.status !== "EXECUTING") throw new AppError("CONFLICT", `The revocation is ${request.status.toLowerCase()}, not approved.`);
  const impact = await assessRevocationImpact(db, request.customerTenantId);
  // Exactly what was approved, or nothing: a disk attached (or a VM added) since approval needs a new decision.
  const change = impactChange({ diskIds: request.approvedDiskIds, vmIds: request.approvedVmIds }, impactIds(impact));
  if (Object.values(change).some((ids) => ids.length > 0)) return impactChangedSinceApproval(db, job, request, requestId, impact, change);
  await db.revocationRequest.update({ where: { id: request.id }, data: { status: "EXECUTING" } });
  let stopped = [...request.stoppedVmIds];
  for (const vm of impact.vms) {
    if (vm.powerState === "deallocated" && !stopped.includes(vm.id)) continue;
    if (!stopped.includes(vm.id)) {
      stopped = [...stopped, vm.id];
      await db.revocationRequest.update({ where: { id: request.id }, data: { stoppedVmIds: stopped } });
    }
    // A previous attempt's deallocation may still be running in Azure (its worker died): wait for it, don't send another.
    const power = vm.powerState === "deallocating" ? await settledPower(vm.id, "deallocating") : vm.powerState;
    if (power !== "deallocated") await deallocateVm(vm.id);
  }
  await db.revocationRequest.update({ where: { id: request.id }, data: { status: "EXECUTED", executedAt: new Date(), lastErrorCode: null, lastErrorMessage: null } });
  await setTenantHealth(db, request.customerTenantId, "REVOKED", "REVOKED_BY_PROVIDER", `Revoked on the customer's request: ${request.reason}`);
  await revokeAudit(db, job, request, requestId, "SUCCESS", { stoppedVmIds: stopped });
  await notifyCustomerAdmins(db, {
    customerTenantId: request.customerTenantId,
    kind: "REVOCATION_EXECUTED",
    title: "Access to your key was revoked",
    message: `The provider stopped ${stopped.length} VM(s) that use your key (reason: ${request.reason}). Contact provider support to restore access.`,
    revocationRequestId: request.id,
  });
  return { stoppedVmIds: stopped };
}

type RevokePayload = { revocationRequestId: string; requestId: string | null };

/** Nothing is revoked: the request waits for a new approval of the new impact (audited, with what changed). */
async function impactChangedSinceApproval(db: Db, job: Job, request: RevocationRequest, requestId: string | null, impact: RevocationImpact, change: ImpactChange): Promise<Record<string, unknown>> {
  const message = `Not revoked: the resources that use the customer's key changed since approval (${describeImpactChange(change)}). A SupportApprover must approve the new impact.`;
  const now = new Date();
  await db.revocationRequest.update({
    where: { id: request.id },
    data: { status: "NEEDS_REAPPROVAL", impact: impact as unknown as object, expiresAt: new Date(now.getTime() + REVOCATION_APPROVAL_WINDOW_MS), lastErrorCode: "ImpactChanged", lastErrorMessage: message },
  });
  await auditSystem(db, request.customerTenantId, "support.revoke.impact_changed", "FAILURE", {
    targetType: "revocationRequest",
    targetId: request.id,
    reason: request.reason,
    requestId,
    details: { jobId: job.id, approvedBy: request.decidedByOid, ...change },
  });
  return { impactChanged: true, ...change };
}

const SETTLE_POLL_MS = 2_000;
const SETTLE_LIMIT_MS = 10 * 60_000;

/** The VM's power state once it has left `transitional` (an operation someone already started has ended). */
async function settledPower(vmId: string, transitional: string): Promise<string> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  for (;;) {
    const { powerState } = await vmPower(vmId);
    if (powerState !== transitional) return powerState;
    if (Date.now() > deadline) throw new RetryableFailure("VmOperationInProgress", `The VM ${vmId.split("/").pop()} has been ${transitional} for more than ${SETTLE_LIMIT_MS / 60_000} minutes.`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

function revokeAudit(db: Db, job: Job, request: RevocationRequest, requestId: string | null, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>) {
  return auditSystem(db, request.customerTenantId, "support.revoke.execute", result, { targetType: "revocationRequest", targetId: request.id, reason: request.reason, requestId, details: { jobId: job.id, requestedBy: request.requestedByOid, approvedBy: request.decidedByOid, ...details } });
}

/** The revoke job gave up: the request shows why (VMs already stopped stay listed for restore). */
export async function revokeFailed(db: Db, job: Job, failure: { code: string; message: string }): Promise<void> {
  const { revocationRequestId, requestId } = job.payload as RevokePayload;
  const request = await db.revocationRequest.update({ where: { id: revocationRequestId }, data: { status: "FAILED", lastErrorCode: failure.code, lastErrorMessage: failure.message.slice(0, 500) } });
  await revokeAudit(db, job, request, requestId, "FAILURE", { errorCode: failure.code, stoppedVmIds: request.stoppedVmIds });
}

export type RestorePayload = { revocationRequestId: string | null; restoreRequestId?: string; requestId: string | null; reason: string };

function restoreAudit(db: Db, job: Job, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>) {
  const { revocationRequestId, requestId, reason } = job.payload as RestorePayload;
  return auditSystem(db, job.customerTenantId!, "support.restore.execute", result, { targetType: revocationRequestId ? "revocationRequest" : "customerTenant", targetId: revocationRequestId ?? job.customerTenantId, reason, requestId, details: { jobId: job.id, requestedBy: job.requestedBy, ...details } });
}

/** RESTORE: probe every DES key, start exactly the VMs revoke stopped, back to Healthy. Throws on failure. */
export async function runRestoreJob(db: Db, job: Job): Promise<Record<string, unknown>> {
  const { revocationRequestId } = job.payload as RestorePayload;
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: job.customerTenantId! }, include: { diskEncryptionSets: { include: { keyReference: true } } } });
  const revocation = revocationRequestId ? await db.revocationRequest.findUniqueOrThrow({ where: { id: revocationRequestId } }) : null;
  for (const des of tenant.diskEncryptionSets) {
    const probe = await probeCustomerKey(tenant.tenantId, des.keyReference.keyUrl);
    if (!probe.ok) {
      const text = PROBE_PROBLEM_TEXT[probe.problem];
      if (TRANSIENT_PROBE_PROBLEMS.has(probe.problem)) throw new RetryableFailure(probe.azureCode ?? probe.problem, `The key probe of ${des.name} got no clear answer: ${text.reason}`);
      throw new AppError("VALIDATION_FAILED", `The key of ${des.name} is still not usable: ${text.reason}`, { azureCode: probe.azureCode ?? probe.problem, fix: text.fix });
    }
  }
  const started: string[] = [];
  for (const vmId of revocation?.stoppedVmIds ?? []) {
    const { powerState } = await vmPower(vmId);
    const power = powerState === "starting" ? await settledPower(vmId, "starting") : powerState;
    if (power !== "running") await startVm(vmId);
    started.push(vmId);
  }
  if (revocation) await db.revocationRequest.update({ where: { id: revocation.id }, data: { status: "RESTORED", restoredAt: new Date(), lastErrorCode: null, lastErrorMessage: null } });
  await setTenantHealth(db, tenant.id, "HEALTHY", null, "Access restored and verified with a wrap/unwrap probe.");
  await restoreAudit(db, job, "SUCCESS", { startedVmIds: started });
  await notifyCustomerAdmins(db, { customerTenantId: tenant.id, kind: "ACCESS_RESTORED", title: "Access to your key restored", message: `The provider verified access to your key and started ${started.length} VM(s) again.`, revocationRequestId: revocation?.id });
  return { startedVmIds: started };
}

/** The restore job gave up: the revocation is in force again, so restore can be asked for once the cause is fixed. */
export async function restoreFailed(db: Db, job: Job, failure: { code: string; message: string }): Promise<void> {
  const { revocationRequestId } = job.payload as RestorePayload;
  if (revocationRequestId) await db.revocationRequest.update({ where: { id: revocationRequestId }, data: { status: "EXECUTED", lastErrorCode: failure.code, lastErrorMessage: failure.message.slice(0, 500) } });
  await restoreAudit(db, job, "FAILURE", { errorCode: failure.code });
}
