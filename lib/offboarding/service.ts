// Offboarding: a customer admin asks to disconnect; a SupportApprover approves; a second staff person (not the
// approver) starts the provider side, which the OFFBOARD job carries out (disks off the key per the provider's policy,
// then the DES deleted); the customer then removes the role assignment and the enterprise app, by hand or with the
// portal's help. Every step is a compare-and-set on the Offboarding row and is audited.
import type { Db } from "../db/client";
import { Prisma, type Offboarding } from "../db/generated/prisma/client";
import type { OffboardingState } from "../db/generated/prisma/enums";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { azureFailure } from "../azure/errors";
import { createJobOnce, wakeJob } from "../jobs/enqueue";
import { logger } from "../logger";
import { associatedDisks, vmPower, type AssociatedDisk, type VmPower } from "../support/azure";
import { auditAction, type SupportCtx } from "../support/context";
import { openJob } from "../support/jobs";
import { notifyCustomerAdmins } from "../support/notifications";
import { diskEncryptionSetExists } from "./azure";
import { CLOSED, describePolicy, STATE_LABEL, type DiskPolicy } from "./state";

export type OffboardingImpact = {
  assessedAt: string;
  policy: DiskPolicy;
  diskEncryptionSets: { id: string; name: string; region: string; armId: string | null; disks: AssociatedDisk[] }[];
  vms: VmPower[];
};

/** The DES rows offboarding acts on: every one the provider created in Azure and has not deleted yet. */
export async function liveDiskEncryptionSets(db: Db, customerTenantId: string) {
  return db.diskEncryptionSet.findMany({ where: { customerTenantId, provisioningState: { not: "DELETED" } }, include: { keyReference: true }, orderBy: { region: "asc" } });
}

/** Which of the provider's disks (and VMs) use the customer's key now, read live from Azure. */
export async function assessOffboardingImpact(db: Db, customerTenantId: string, policy: DiskPolicy = serverEnv().OFFBOARDING_DISK_POLICY): Promise<OffboardingImpact> {
  const sets = await liveDiskEncryptionSets(db, customerTenantId);
  const vmIds = new Set<string>();
  const diskEncryptionSets: OffboardingImpact["diskEncryptionSets"] = [];
  for (const des of sets) {
    if (!des.armId || !(await diskEncryptionSetExists(des.armId))) {
      diskEncryptionSets.push({ id: des.id, name: des.name, region: des.region, armId: des.armId, disks: [] });
      continue;
    }
    const disks = await associatedDisks(des.armId);
    disks.forEach((d) => d.vmId && vmIds.add(d.vmId));
    diskEncryptionSets.push({ id: des.id, name: des.name, region: des.region, armId: des.armId, disks });
  }
  const vms = await Promise.all([...vmIds].sort().map((id) => vmPower(id)));
  return { assessedAt: new Date().toISOString(), policy, diskEncryptionSets, vms };
}

/** The provider's disks that use the key, for the status page; null when Azure could not be asked (said so there). */
export async function disksUsingKey(db: Db, entraTenantId: string): Promise<{ desName: string; region: string; disks: AssociatedDisk[] }[] | null> {
  const tenant = await db.customerTenant.findUnique({ where: { tenantId: entraTenantId }, select: { id: true } });
  if (!tenant) return [];
  try {
    const impact = await assessOffboardingImpact(db, tenant.id);
    return impact.diskEncryptionSets.map((d) => ({ desName: d.name, region: d.region, disks: d.disks }));
  } catch (error) {
    logger.warn({ err: error }, "could not list the disks that use the customer's key");
    return null;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

async function customerTenantOf(ctx: SupportCtx) {
  const tenant = await ctx.db.customerTenant.findUnique({ where: { tenantId: ctx.user.tenantId } });
  if (!tenant) throw new AppError("NOT_FOUND", "Your organization has not connected a key yet.", { fix: "Nothing to disconnect: finish onboarding first, or sign in with your organization's account." });
  return tenant;
}

/** The open offboarding of a tenant, else its latest one. */
export async function latestOffboarding(db: Db, customerTenantId: string): Promise<Offboarding | null> {
  return (
    (await db.offboarding.findFirst({ where: { customerTenantId, state: { notIn: [...CLOSED] } }, orderBy: { requestedAt: "desc" } })) ??
    db.offboarding.findFirst({ where: { customerTenantId }, orderBy: { requestedAt: "desc" } })
  );
}

export type RequestResult = { offboardingId: string; state: OffboardingState; alreadyRequested: boolean; requestedBy: string };

/**
 * The customer's "Disconnect". The partial unique index allows one open offboarding per tenant: a second admin (or a
 * double click) gets the open one back, marked alreadyRequested, and one audit event only is written for it.
 */
export async function requestOffboarding(ctx: SupportCtx, input: { reason?: string }): Promise<RequestResult> {
  const tenant = await customerTenantOf(ctx);
  const open = await ctx.db.offboarding.findFirst({ where: { customerTenantId: tenant.id, state: { notIn: [...CLOSED] } } });
  if (open) return { offboardingId: open.id, state: open.state, alreadyRequested: true, requestedBy: open.requestedByName };
  if ((await liveDiskEncryptionSets(ctx.db, tenant.id)).length === 0) {
    await auditAction(ctx, tenant.id, "customer.offboarding.request", "FAILURE", { details: { problem: "no-des" } });
    throw new AppError("CONFLICT", "There is no disk encryption set to disconnect.", { fix: "Your key is not in use by the provider. To remove the provider's app, delete its enterprise app in Microsoft Entra." });
  }
  const policy = serverEnv().OFFBOARDING_DISK_POLICY;
  let impact: OffboardingImpact;
  try {
    impact = await assessOffboardingImpact(ctx.db, tenant.id, policy);
  } catch (error) {
    throw new AppError("AZURE_ERROR", "The provider could not list the disks that use your key.", { azureCode: azureFailure(error).code, fix: "Try again in a minute: the request shows exactly which disks it affects.", cause: error });
  }
  let created: Offboarding;
  try {
    created = await ctx.db.offboarding.create({
      data: { customerTenantId: tenant.id, diskPolicy: policy, reason: input.reason ?? null, requestedByOid: ctx.user.userOid, requestedByName: ctx.user.userName, impact: impact as unknown as Prisma.InputJsonValue },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await ctx.db.offboarding.findFirstOrThrow({ where: { customerTenantId: tenant.id, state: { notIn: [...CLOSED] } } });
    return { offboardingId: raced.id, state: raced.state, alreadyRequested: true, requestedBy: raced.requestedByName };
  }
  const diskIds = impact.diskEncryptionSets.flatMap((d) => d.disks.map((disk) => disk.id));
  await auditAction(ctx, tenant.id, "customer.offboarding.request", "SUCCESS", { targetType: "offboarding", targetId: created.id, reason: input.reason ?? null, details: { policy, diskIds, vmIds: impact.vms.map((v) => v.id) } });
  await notifyCustomerAdmins(ctx.db, {
    customerTenantId: tenant.id,
    kind: "OFFBOARDING_REQUESTED",
    title: "Disconnect requested",
    message: `${ctx.user.userName} asked the provider to disconnect your key. ${diskIds.length} disk(s) use it. ${describePolicy(policy)} Nothing happens until two people at the provider have approved and started it.`,
  });
  return { offboardingId: created.id, state: created.state, alreadyRequested: false, requestedBy: created.requestedByName };
}

async function offboardingById(ctx: SupportCtx, id: string): Promise<Offboarding> {
  const row = await ctx.db.offboarding.findUnique({ where: { id } });
  if (!row) throw new AppError("NOT_FOUND", "This offboarding request does not exist.", { fix: "Reload the page." });
  return row;
}

/** One compare-and-set move; false when someone else moved it first. */
async function move(db: Db, row: Offboarding, from: OffboardingState[], data: Prisma.OffboardingUpdateManyMutationInput): Promise<boolean> {
  const changed = await db.offboarding.updateMany({ where: { id: row.id, state: { in: from } }, data });
  return changed.count === 1;
}

/** A SupportApprover approves the customer's request (the first provider person). */
export async function approveOffboarding(ctx: SupportCtx, input: { offboardingId: string }): Promise<{ state: OffboardingState }> {
  const row = await offboardingById(ctx, input.offboardingId);
  const refuse = async (problem: string, error: AppError): Promise<never> => {
    await auditAction(ctx, row.customerTenantId, "support.offboarding.approve", "FAILURE", { targetType: "offboarding", targetId: row.id, details: { problem, state: row.state } });
    throw error;
  };
  if (row.state !== "REQUESTED") await refuse(`state-${row.state.toLowerCase()}`, new AppError("CONFLICT", `This offboarding is ${STATE_LABEL[row.state].toLowerCase()}, not waiting for approval.`, { fix: "Reload the page to see where it stands." }));
  if (!(await move(ctx.db, row, ["REQUESTED"], { state: "APPROVED", approvedByOid: ctx.user.userOid, approvedByName: ctx.user.userName, approvedAt: new Date() }))) {
    await refuse("raced", new AppError("CONFLICT", "Someone else decided this request a moment ago.", { fix: "Reload the page." }));
  }
  await auditAction(ctx, row.customerTenantId, "support.offboarding.approve", "SUCCESS", { targetType: "offboarding", targetId: row.id, details: { requestedBy: row.requestedByOid, policy: row.diskPolicy } });
  return { state: "APPROVED" };
}

/** A SupportApprover turns the request down (before the provider side has started), with a note the customer sees. */
export async function rejectOffboarding(ctx: SupportCtx, input: { offboardingId: string; note: string }): Promise<{ state: OffboardingState }> {
  const row = await offboardingById(ctx, input.offboardingId);
  const changed = await ctx.db.offboarding.updateMany({ where: { id: row.id, state: { in: ["REQUESTED", "APPROVED"] }, jobId: null }, data: { state: "CANCELLED", cancelledByOid: ctx.user.userOid, cancelledAt: new Date(), lastErrorMessage: input.note } });
  if (changed.count === 0) {
    await auditAction(ctx, row.customerTenantId, "support.offboarding.reject", "FAILURE", { targetType: "offboarding", targetId: row.id, reason: input.note, details: { problem: `state-${row.state.toLowerCase()}` } });
    throw new AppError("CONFLICT", "Only an offboarding that has not started can be rejected.", { fix: "Reload the page to see where it stands." });
  }
  await auditAction(ctx, row.customerTenantId, "support.offboarding.reject", "SUCCESS", { targetType: "offboarding", targetId: row.id, reason: input.note });
  await notifyCustomerAdmins(ctx.db, { customerTenantId: row.customerTenantId, kind: "OFFBOARDING_CANCELLED", title: "Disconnect request declined", message: `The provider declined your disconnect request: ${input.note}. Nothing was changed.` });
  return { state: "CANCELLED" };
}

/**
 * The second provider person starts the provider side: not the approver. A FAILED run goes again under the same
 * approval (its job resumes where it stopped). The job's idempotency key makes a double click one job.
 */
export async function executeOffboarding(ctx: SupportCtx, input: { offboardingId: string }): Promise<{ jobId: string; state: OffboardingState; alreadyStarted: boolean }> {
  const row = await offboardingById(ctx, input.offboardingId);
  // Started a moment ago (a double click, or a colleague): the same job, nothing new.
  if (row.state === "APPROVED" && row.jobId) return { jobId: row.jobId, state: row.state, alreadyStarted: true };
  const refuse = async (problem: string, error: AppError, result: "DENIED" | "FAILURE" = "FAILURE"): Promise<never> => {
    await auditAction(ctx, row.customerTenantId, "support.offboarding.execute", result, { targetType: "offboarding", targetId: row.id, details: { problem, state: row.state, approvedBy: row.approvedByOid } });
    throw error;
  };
  if (row.approvedByOid === ctx.user.userOid) {
    await refuse("approver-executes", new AppError("FORBIDDEN", "You approved this offboarding, so someone else must start it.", { fix: "A second person (Operator or Support) starts it: two people see every deletion." }), "DENIED");
  }
  if (row.state !== "APPROVED" && row.state !== "FAILED") {
    await refuse(`state-${row.state.toLowerCase()}`, new AppError("CONFLICT", row.state === "REQUESTED" ? "This offboarding has not been approved yet." : `This offboarding is already ${STATE_LABEL[row.state].toLowerCase()}.`, { fix: row.state === "REQUESTED" ? "A SupportApprover must approve it first." : "Reload the page to see its progress." }));
  }
  if (await openJob(ctx.db, row.customerTenantId, ["ROTATE_KEY", "REVOKE", "RESTORE"])) {
    await refuse("busy", new AppError("CONFLICT", "A rotation, revoke or restore for this customer is still running.", { fix: "Wait until it has finished, then start the offboarding." }));
  }
  const attempt = row.state === "FAILED" ? `retry:${Date.now()}` : "first";
  if (!(await move(ctx.db, row, [row.state], { state: "APPROVED", executedByOid: ctx.user.userOid, executedByName: ctx.user.userName, executedAt: new Date(), lastErrorCode: null, lastErrorMessage: null }))) {
    await refuse("raced", new AppError("CONFLICT", "Someone else started it a moment ago.", { fix: "Reload the page to see its progress." }));
  }
  const { job } = await createJobOnce(ctx.db, { kind: "OFFBOARD", idempotencyKey: `offboard:${row.id}:${attempt}`, customerTenantId: row.customerTenantId, payload: { offboardingId: row.id, requestId: ctx.requestId ?? null }, requestedBy: ctx.user.userOid });
  await ctx.db.offboarding.update({ where: { id: row.id }, data: { jobId: job.id } });
  await wakeJob(job).catch((error: unknown) => logger.warn({ err: error, jobId: job.id }, "could not wake the worker; the sweeper will"));
  await auditAction(ctx, row.customerTenantId, "support.offboarding.execute", "SUCCESS", { targetType: "offboarding", targetId: row.id, details: { jobId: job.id, approvedBy: row.approvedByOid, policy: row.diskPolicy, retry: row.state === "FAILED" } });
  return { jobId: job.id, state: "APPROVED", alreadyStarted: false };
}

/** The customer withdraws their request before the provider side has started. */
export async function cancelOffboardingByCustomer(ctx: SupportCtx, input: { offboardingId: string }): Promise<{ state: OffboardingState; alreadyDone: boolean }> {
  const tenant = await customerTenantOf(ctx);
  const row = await ctx.db.offboarding.findUnique({ where: { id: input.offboardingId } });
  if (!row || row.customerTenantId !== tenant.id) {
    if (row) await auditAction(ctx, row.customerTenantId, "customer.offboarding.cancel", "DENIED", { targetType: "offboarding", targetId: row.id, details: { problem: "other-tenant", actorTenantId: ctx.user.tenantId } });
    throw new AppError("NOT_FOUND", "There is no disconnect request of your organization with this id.", { fix: "Reload the status page." });
  }
  if (row.state === "CANCELLED") return { state: "CANCELLED", alreadyDone: true };
  // Once the second provider person has started it (a job exists), the disks are already being moved.
  const changed = await ctx.db.offboarding.updateMany({ where: { id: row.id, state: { in: ["REQUESTED", "APPROVED"] }, jobId: null }, data: { state: "CANCELLED", cancelledByOid: ctx.user.userOid, cancelledAt: new Date() } });
  if (changed.count === 0) {
    await auditAction(ctx, tenant.id, "customer.offboarding.cancel", "FAILURE", { targetType: "offboarding", targetId: row.id, details: { problem: `state-${row.state.toLowerCase()}` } });
    throw new AppError("CONFLICT", "The provider has already started the disconnect; it can no longer be cancelled.", { fix: "Follow its progress on this page." });
  }
  await auditAction(ctx, tenant.id, "customer.offboarding.cancel", "SUCCESS", { targetType: "offboarding", targetId: row.id });
  return { state: "CANCELLED", alreadyDone: false };
}

