// Restore after a revocation needs the same two people as revoke: a support person asks with a reason, then a
// SupportApprover who is not the requester approves, or one of the customer's own admins confirms from their
// status page. Until then it is a pending request (audited at each step) that expires like revocation requests.
import type { Db } from "../db/client";
import type { RestoreRequest, RevocationRequest } from "../db/generated/prisma/client";
import { AppError } from "../errors";
import { auditAction, auditSystem, customerTenantById, type SupportCtx } from "./context";
import { enqueueSupportJob, openJob } from "./jobs";
import { notifyCustomerAdmins } from "./notifications";
import { activeRevocation, REVOCATION_APPROVAL_WINDOW_MS, type RestorePayload } from "./revocation";

export const RESTORE_CONFIRMATION_WINDOW_MS = REVOCATION_APPROVAL_WINDOW_MS;
const RESTORE_LOCK = 727_102;
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** Pending restore requests past their deadline become EXPIRED (checked whenever they are read or decided). */
export async function expireStaleRestores(db: Db, now = new Date()): Promise<number> {
  const stale = await db.restoreRequest.findMany({ where: { status: "PENDING_CONFIRMATION", expiresAt: { lte: now } } });
  let expired = 0;
  for (const request of stale) {
    const changed = await db.restoreRequest.updateMany({ where: { id: request.id, status: "PENDING_CONFIRMATION" }, data: { status: "EXPIRED" } });
    if (changed.count === 0) continue;
    expired += 1;
    await auditSystem(db, request.customerTenantId, "support.restore.expire", "SUCCESS", { targetType: "restoreRequest", targetId: request.id, details: { requestedBy: request.requestedByOid, expiresAt: request.expiresAt.toISOString() } });
  }
  return expired;
}

/** The restore request of this tenant that still waits for its second person, if any. */
export async function pendingRestore(db: Db, customerTenantId: string): Promise<RestoreRequest | null> {
  await expireStaleRestores(db);
  return db.restoreRequest.findFirst({ where: { customerTenantId, status: "PENDING_CONFIRMATION" }, orderBy: { requestedAt: "desc" } });
}

/** Every restore request still waiting, soonest deadline first (the console's start page). */
export async function restoresAwaitingConfirmation(db: Db) {
  await expireStaleRestores(db);
  return db.restoreRequest.findMany({ where: { status: "PENDING_CONFIRMATION" }, include: { customerTenant: { select: { displayName: true } } }, orderBy: { expiresAt: "asc" } });
}

/** The same, for the customer's status page (by the session's Entra tenant id). */
export async function pendingRestoreForCustomer(db: Db, entraTenantId: string): Promise<RestoreRequest | null> {
  const tenant = await db.customerTenant.findUnique({ where: { tenantId: entraTenantId }, select: { id: true } });
  return tenant ? pendingRestore(db, tenant.id) : null;
}

/** What a restore would undo: a revocation in force, or one that failed half-way with VMs already stopped. */
async function revocationToRestore(db: Db, customerTenantId: string): Promise<RevocationRequest | null> {
  return (
    (await activeRevocation(db, customerTenantId)) ??
    (await db.revocationRequest.findFirst({ where: { customerTenantId, status: { in: ["FAILED", "NEEDS_REAPPROVAL"] }, NOT: { stoppedVmIds: { isEmpty: true } } }, orderBy: { requestedAt: "desc" } }))
  );
}

/** Step one: a support person asks for restore (tenant revoked by the provider or by the customer). */
export async function requestRestore(ctx: SupportCtx, input: { customerTenantId: string; reason: string }, now = new Date()): Promise<{ restoreRequestId: string; expiresAt: string }> {
  const tenant = await customerTenantById(ctx.db, input.customerTenantId);
  const revocation = await revocationToRestore(ctx.db, tenant.id);
  const revokedByProvider = revocation?.status === "EXECUTED" || ((revocation?.status === "FAILED" || revocation?.status === "NEEDS_REAPPROVAL") && revocation.stoppedVmIds.length > 0);
  const refuse = async (problem: string, error: AppError): Promise<never> => {
    await auditAction(ctx, tenant.id, "support.restore.request", "FAILURE", { reason: input.reason, details: { problem, revocationStatus: revocation?.status ?? null } });
    throw error;
  };
  if (!revokedByProvider && tenant.healthState !== "REVOKED") {
    await refuse("not-revoked", new AppError("CONFLICT", revocation ? "The revocation has not been carried out yet." : "This customer is not revoked.", { fix: revocation ? "Cancel or reject the pending request instead." : "Nothing to restore." }));
  }
  if (await openJob(ctx.db, tenant.id, ["REVOKE", "RESTORE"])) await refuse("busy", new AppError("CONFLICT", "A revoke or restore for this customer is still running.", { fix: "Wait until it has finished." }));
  await expireStaleRestores(ctx.db, now);
  const created = await ctx.db.$transaction(async (tx) => {
    // One pending restore per tenant, even when two people press the button at once.
    await tx.$executeRaw`select pg_advisory_xact_lock(${RESTORE_LOCK}, hashtext(${tenant.id}))`;
    if (await tx.restoreRequest.findFirst({ where: { customerTenantId: tenant.id, status: "PENDING_CONFIRMATION" } })) return null;
    return tx.restoreRequest.create({
      data: { customerTenantId: tenant.id, revocationRequestId: revocation?.id ?? null, reason: input.reason, requestedByOid: ctx.user.userOid, requestedByName: ctx.user.userName, requestedAt: now, expiresAt: new Date(now.getTime() + RESTORE_CONFIRMATION_WINDOW_MS) },
    });
  });
  if (!created) return refuse("already-pending", new AppError("CONFLICT", "A restore for this customer already waits for confirmation.", { fix: "A SupportApprover approves it in the console, or the customer's admin confirms it on their status page." }));
  await auditAction(ctx, tenant.id, "support.restore.request", "SUCCESS", { targetType: "restoreRequest", targetId: created.id, reason: input.reason, details: { revocationRequestId: revocation?.id ?? null, expiresAt: created.expiresAt.toISOString(), cause: tenant.healthCause } });
  await notifyCustomerAdmins(ctx.db, {
    customerTenantId: tenant.id,
    kind: "RESTORE_REQUESTED",
    title: "Restore of access to your key requested",
    message: `Provider support asks to restore access to your key and start the stopped VMs again (reason: ${input.reason}). An admin of your organization can confirm this on the status page before ${utc(created.expiresAt)}; otherwise a second person at the provider must approve it.`,
    revocationRequestId: revocation?.id,
  });
  return { restoreRequestId: created.id, expiresAt: created.expiresAt.toISOString() };
}

type Confirmer = { kind: "STAFF" | "CUSTOMER"; action: string };

/** Step two (either kind of second person): the request becomes APPROVED and the RESTORE job is queued. */
async function confirm(ctx: SupportCtx, request: RestoreRequest, by: Confirmer, now: Date): Promise<{ jobId: string }> {
  const refuse = async (problem: string, error: AppError, result: "DENIED" | "FAILURE"): Promise<never> => {
    await auditAction(ctx, request.customerTenantId, by.action, result, { targetType: "restoreRequest", targetId: request.id, details: { problem, requestedBy: request.requestedByOid } });
    throw error;
  };
  if (request.requestedByOid === ctx.user.userOid) await refuse("self-approval", new AppError("FORBIDDEN", "You cannot approve your own restore request.", { fix: "A second person with the SupportApprover role, or an admin of the customer, must confirm it." }), "DENIED");
  if (request.status === "EXPIRED") await refuse("expired", new AppError("CONFLICT", "This restore request has expired.", { fix: "Support must request the restore again." }), "FAILURE");
  if (request.status !== "PENDING_CONFIRMATION") await refuse(`status-${request.status.toLowerCase()}`, new AppError("CONFLICT", "This restore request no longer waits for confirmation.", { fix: "Reload the page to see what happened to it." }), "FAILURE");
  if (await openJob(ctx.db, request.customerTenantId, ["REVOKE", "RESTORE"])) await refuse("busy", new AppError("CONFLICT", "A revoke or restore for this customer is still running.", { fix: "Wait until it has finished." }), "FAILURE");
  const changed = await ctx.db.restoreRequest.updateMany({
    where: { id: request.id, status: "PENDING_CONFIRMATION", expiresAt: { gt: now }, requestedByOid: { not: ctx.user.userOid } },
    data: { status: "APPROVED", confirmedByKind: by.kind, confirmedByOid: ctx.user.userOid, confirmedByName: ctx.user.userName, confirmedAt: now },
  });
  if (changed.count === 0) await refuse("raced", new AppError("CONFLICT", "Someone else decided this restore request a moment ago.", { fix: "Reload the page." }), "FAILURE");
  const payload: RestorePayload = { revocationRequestId: request.revocationRequestId, restoreRequestId: request.id, requestId: ctx.requestId ?? null, reason: request.reason };
  const job = await enqueueSupportJob(ctx.db, { kind: "RESTORE", customerTenantId: request.customerTenantId, idempotencyKey: `restore:${request.id}`, payload, requestedBy: request.requestedByOid });
  await ctx.db.restoreRequest.update({ where: { id: request.id }, data: { jobId: job.id } });
  if (request.revocationRequestId) await ctx.db.revocationRequest.update({ where: { id: request.revocationRequestId }, data: { status: "RESTORING", restoreJobId: job.id } });
  await auditAction(ctx, request.customerTenantId, by.action, "SUCCESS", { targetType: "restoreRequest", targetId: request.id, reason: request.reason, details: { requestedBy: request.requestedByOid, jobId: job.id } });
  return { jobId: job.id };
}

async function restoreRequest(ctx: SupportCtx, id: string, now: Date): Promise<RestoreRequest> {
  await expireStaleRestores(ctx.db, now);
  const request = await ctx.db.restoreRequest.findUnique({ where: { id } });
  if (!request) throw new AppError("NOT_FOUND", "This restore request does not exist.", { fix: "Reload the page." });
  return request;
}

/** A SupportApprover (not the requester) approves the restore. */
export async function approveRestore(ctx: SupportCtx, input: { restoreRequestId: string }, now = new Date()): Promise<{ jobId: string }> {
  return confirm(ctx, await restoreRequest(ctx, input.restoreRequestId, now), { kind: "STAFF", action: "support.restore.approve" }, now);
}

/** An admin of the customer confirms the restore of their own tenant (the tenant comes from the session). */
export async function confirmRestoreByCustomer(ctx: SupportCtx, input: { restoreRequestId: string }, now = new Date()): Promise<{ jobId: string }> {
  const request = await ctx.db.restoreRequest.findUnique({ where: { id: input.restoreRequestId }, include: { customerTenant: { select: { tenantId: true } } } });
  if (!request || request.customerTenant.tenantId.toLowerCase() !== ctx.user.tenantId.toLowerCase()) {
    if (request) await auditAction(ctx, request.customerTenantId, "customer.restore.confirm", "DENIED", { targetType: "restoreRequest", targetId: request.id, details: { problem: "other-tenant", actorTenantId: ctx.user.tenantId } });
    throw new AppError("NOT_FOUND", "There is no restore request for your organization with this id.", { fix: "Reload the status page." });
  }
  return confirm(ctx, await restoreRequest(ctx, request.id, now), { kind: "CUSTOMER", action: "customer.restore.confirm" }, now);
}

/** The requester or an approver withdraws a restore request that still waits. */
export async function cancelRestore(ctx: SupportCtx, input: { restoreRequestId: string }, now = new Date()): Promise<void> {
  const request = await restoreRequest(ctx, input.restoreRequestId, now);
  if (request.requestedByOid !== ctx.user.userOid && !ctx.user.roles.includes("SupportApprover")) {
    await auditAction(ctx, request.customerTenantId, "support.restore.cancel", "DENIED", { targetType: "restoreRequest", targetId: request.id, details: { problem: "not-requester" } });
    throw new AppError("FORBIDDEN", "Only the requester or an approver can cancel this restore request.", { fix: "Ask them, or let it expire." });
  }
  const changed = await ctx.db.restoreRequest.updateMany({ where: { id: request.id, status: "PENDING_CONFIRMATION" }, data: { status: "CANCELLED" } });
  if (changed.count === 0) {
    await auditAction(ctx, request.customerTenantId, "support.restore.cancel", "FAILURE", { targetType: "restoreRequest", targetId: request.id, details: { problem: `status-${request.status.toLowerCase()}` } });
    throw new AppError("CONFLICT", "This restore request no longer waits for confirmation.", { fix: "Reload the page." });
  }
  await auditAction(ctx, request.customerTenantId, "support.restore.cancel", "SUCCESS", { targetType: "restoreRequest", targetId: request.id });
}
