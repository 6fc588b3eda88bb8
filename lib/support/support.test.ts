// The support console's operations against the simulator and a real database: rotate, revoke (four eyes,
// expiry), restore, and exactly the audit events each leaves.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDatabaseUrl, testDb } from "../testing/db";
import { startPgFaultProxy } from "../testing/pg-fault-proxy";
import { createPrismaClient } from "../db/client";
import { runJob as runJobUnderLease } from "../jobs/runner";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import type { Job } from "../db/generated/prisma/client";
import { approveRestoreAction, approveRevocationAction, cancelRestoreAction, cancelRevocationAction, rejectRevocationAction, requestRevocationAction, restoreAccessAction, retryRevocationAction, rotateKeyAction, setAutoRotationAction } from "./actions";
import { confirmRestoreAction, rotateToNewestVersionAction } from "./customer-actions";
import { approveRestore, requestRestore, RESTORE_CONFIRMATION_WINDOW_MS } from "./restore";
import { keyOverview } from "./rotation";
import { approveRevocation, assessRevocationImpact, expireStaleRevocations, impactIds, REVOCATION_APPROVAL_WINDOW_MS, requestRevocation, runRevokeJob } from "./revocation";
import { rotateKeyHandler } from "./handlers/rotate-key";
import { revokeHandler } from "./handlers/revoke";
import { restoreHandler } from "./handlers/restore";
import { closeSharedQueue } from "../jobs/queue";
import { DEFAULT_BACKOFF } from "../provisioning/azure-errors";
import { logger } from "../logger";
import { DES_NAME, newContosoKeyVersion, onboardContosoWithDes, providerCompute, vmId, vmPowerState, type OnboardedContoso } from "./testing";
import { verifyAuditChain } from "../audit/verify";
import { waitFor } from "../provisioning/testing";

const db = testDb();
const contoso = SIM.customers.contoso;
let sim: SimHandle;
let support: SessionUser;
let support2: SessionUser;
let approver: SessionUser;
let operator: SessionUser;
let customer: SessionUser;
let otherCustomer: SessionUser;
let fixture: OnboardedContoso;
let mark: bigint;

const HANDLERS = { ROTATE_KEY: rotateKeyHandler, REVOKE: revokeHandler, RESTORE: restoreHandler } as const;

/** One attempt the way lib/jobs/runner does it: the handler's outcome decides the Job row's status. */
async function runJob(jobId: string): Promise<{ ok: boolean }> {
  const job: Job = await db.job.update({ where: { id: jobId }, data: { status: "RUNNING", attempts: { increment: 1 }, startedAt: new Date() } });
  const outcome = await HANDLERS[job.kind as keyof typeof HANDLERS].run({ db, job, attempt: job.attempts, signal: new AbortController().signal, log: logger, policy: { ...DEFAULT_BACKOFF, maxTransientAttempts: 1 }, pollIntervalMs: 20 });
  if (outcome.status === "succeeded") {
    await db.job.update({ where: { id: jobId }, data: { status: "SUCCEEDED", result: (outcome.result ?? {}) as object, finishedAt: new Date() } });
    return { ok: true };
  }
  if (outcome.status === "cancelled") throw new Error(`support jobs are never cancelled by their handler: ${outcome.reason}`);
  await db.job.update({ where: { id: jobId }, data: { status: outcome.status === "retry" ? "QUEUED" : "FAILED", lastErrorCode: outcome.errorCode, lastErrorMessage: outcome.errorMessage, finishedAt: new Date() } });
  return { ok: false };
}

/** The audit events written for Contoso since the mark, as "actorType action result". */
async function auditSinceMark(): Promise<string[]> {
  const events = await db.auditEvent.findMany({ where: { seq: { gt: mark }, customerTenantId: fixture.customerTenantId }, orderBy: { seq: "asc" } });
  return events.map((e) => `${e.actorType} ${e.action} ${e.result}`);
}

async function setMark() {
  mark = (await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? 0n;
}

beforeAll(async () => {
  sim = await startSimForTests();
  support = await sessionFor(sim, db, "support");
  support2 = await sessionFor(sim, db, "support2");
  approver = await sessionFor(sim, db, "approver");
  operator = await sessionFor(sim, db, "operator");
  customer = await sessionFor(sim, db, "contosoAdmin");
  otherCustomer = await sessionFor(sim, db, "fabrikamAdmin");
  fixture = await onboardContosoWithDes(sim, db);
}, 60_000);

afterAll(async () => {
  await closeSharedQueue();
  await sim?.stop();
});

beforeEach(async () => {
  await setMark();
});

describe("rotation", () => {
  it("shows the key versions, the version the DES uses and its rotation settings", async () => {
    const [des] = await keyOverview(db, fixture.customerTenantId);
    expect(des).toMatchObject({ name: DES_NAME, region: "westeurope", rotation: { phase: "idle" } });
    expect(des!.live).toMatchObject({ keyUrl: fixture.keyUrl, rotationToLatest: false, previousKeys: [] });
    expect(des!.versions).toHaveLength(1);
    expect(des!.activeVersion).toBe(des!.newestVersion?.version);
  });

  it("moves the DES to the newest key version through a job, with a request and an execution event", async () => {
    const newUrl = await newContosoKeyVersion(sim);
    const before = await keyOverview(db, fixture.customerTenantId);
    expect(before[0]!.versions).toHaveLength(2);
    expect(before[0]!.newestVersion?.keyUrl).toBe(newUrl);

    const result = await rotateKeyAction.run(support, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId }, db);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok || !result.data.accepted) throw new Error("not accepted");
    expect(result.data.targetKeyUrl).toBe(newUrl);
    expect((await keyOverview(db, fixture.customerTenantId))[0]!.rotation).toMatchObject({ phase: "queued", toKeyUrl: newUrl });
    // A second click while the job waits is refused rather than queued twice.
    const again = await rotateKeyAction.run(support2, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId }, db);
    expect(again).toMatchObject({ ok: false, error: { code: "CONFLICT" } });

    expect((await runJob(result.data.jobId)).ok).toBe(true);
    const after = (await keyOverview(db, fixture.customerTenantId))[0]!;
    expect(after.live?.keyUrl).toBe(newUrl);
    expect(after.live?.previousKeys).toEqual([]);
    expect(after.rotation).toMatchObject({ phase: "completed", fromKeyUrl: fixture.keyUrl, toKeyUrl: newUrl });
    const row = await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: fixture.desId }, include: { keyReference: true } });
    expect(row.keyReference.keyUrl).toBe(newUrl);
    expect(row.lastKeyRotationAt).not.toBeNull();
    expect(await auditSinceMark()).toEqual(["STAFF support.rotate.request SUCCESS", "SYSTEM support.rotate.execute SUCCESS"]);
  });

  it("refuses a key URL that fails the wizard's checks, with the reasons, and audits the refusal", async () => {
    const unversioned = await rotateKeyAction.run(support, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId, keyUrl: fixture.keyUrl.replace(/\/[0-9a-f]{32}$/, "") }, db);
    expect(unversioned.ok && unversioned.data).toMatchObject({ accepted: false, checks: [{ id: "url", status: "fail", reason: expect.stringContaining("no key version") }] });

    const disabledUrl = await newContosoKeyVersion(sim);
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, false);
    const disabled = await rotateKeyAction.run(support, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId, keyUrl: disabledUrl }, db);
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, true);
    expect(disabled.ok && disabled.data.accepted).toBe(false);
    if (!disabled.ok || disabled.data.accepted) throw new Error("accepted");
    expect(disabled.data.checks.find((c) => c.id === "enabled")).toMatchObject({ status: "fail" });
    // A key in another customer's vault: the federated token of Contoso cannot read it.
    const foreign = await rotateKeyAction.run(support, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId, keyUrl: `${sim.url.replace(/:\d+$/, ":1")}/keys/other/${"a".repeat(32)}` }, db);
    expect(foreign.ok && foreign.data.accepted).toBe(false);
    expect(await auditSinceMark()).toEqual(["STAFF support.rotate.request FAILURE", "STAFF support.rotate.request FAILURE", "STAFF support.rotate.request FAILURE"]);
    expect(await db.job.count({ where: { kind: "ROTATE_KEY", status: "QUEUED" } })).toBe(0);
  });

  it("turns auto-rotation on through a job", async () => {
    const result = await setAutoRotationAction.run(support, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId, enabled: true }, db);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect((await runJob(result.data.jobId)).ok).toBe(true);
    expect((await keyOverview(db, fixture.customerTenantId))[0]!.live?.rotationToLatest).toBe(true);
    expect(await auditSinceMark()).toEqual(["STAFF support.auto_rotation.request SUCCESS", "SYSTEM support.auto_rotation.execute SUCCESS"]);
    const off = await setAutoRotationAction.run(support, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId, enabled: false }, db);
    if (!off.ok) throw new Error(JSON.stringify(off.error));
    expect((await runJob(off.data.jobId)).ok).toBe(true);
  });

  it("lets the customer admin move their own tenant to the newest version", async () => {
    const newest = await newContosoKeyVersion(sim);
    const result = await rotateToNewestVersionAction.run(customer, { customerTenantId: "00000000-0000-4000-8000-000000000000" }, db);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const [only] = result.data.results;
    expect(only).toMatchObject({ accepted: true, targetKeyUrl: newest, region: "westeurope" });
    if (!only?.accepted) throw new Error("not accepted");
    expect((await runJob(only.jobId)).ok).toBe(true);
    expect(await auditSinceMark()).toEqual(["CUSTOMER customer.rotate.request SUCCESS", "SYSTEM support.rotate.execute SUCCESS"]);
  });

  it("is refused to staff without a support role and to customers on staff actions", async () => {
    expect(await rotateKeyAction.run(operator, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await rotateKeyAction.run(customer, { customerTenantId: fixture.customerTenantId, diskEncryptionSetId: fixture.desId }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await rotateToNewestVersionAction.run(support, {}, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });
});

describe("revocation", () => {
  const REASON = "Customer called: suspected key compromise, cut off now";

  it("refuses self-approval and non-approvers; a second person approves; the job deallocates the VMs and marks the tenant Revoked", async () => {
    const requested = await requestRevocationAction.run(approver, { customerTenantId: fixture.customerTenantId, reason: REASON }, db);
    if (!requested.ok) throw new Error(JSON.stringify(requested.error));
    const request = await db.revocationRequest.findUniqueOrThrow({ where: { id: requested.data.requestId } });
    expect(request.status).toBe("PENDING_APPROVAL");
    expect(request.impact).toMatchObject({ vms: [{ name: "vm-app-1", powerState: "running" }], diskEncryptionSets: [{ name: DES_NAME, disks: expect.arrayContaining([expect.objectContaining({ name: "vm-app-1-osdisk" }), expect.objectContaining({ name: "app-data-disk-1" })]) }] });
    expect(await db.customerNotification.count({ where: { customerTenantId: fixture.customerTenantId, kind: "REVOCATION_REQUESTED" } })).toBe(1);

    // A second request while one is open is refused.
    expect(await requestRevocationAction.run(support, { customerTenantId: fixture.customerTenantId, reason: REASON }, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    // The requester cannot approve their own request, even holding the approver role.
    expect(await approveRevocationAction.run(approver, { requestId: request.id }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN", message: expect.stringContaining("your own") } });
    // Support without the approver role cannot approve at all.
    expect(await approveRevocationAction.run(support2, { requestId: request.id }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect((await db.revocationRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("PENDING_APPROVAL");
    expect(vmPowerState(sim, "vm-app-1")).toBe("running");

    // Cancel and request anew by support@, approved by approver@.
    expect((await cancelRevocationAction.run(approver, { requestId: request.id }, db)).ok).toBe(true);
    const second = await requestRevocationAction.run(support, { customerTenantId: fixture.customerTenantId, reason: REASON }, db);
    if (!second.ok) throw new Error(JSON.stringify(second.error));
    const approved = await approveRevocationAction.run(approver, { requestId: second.data.requestId, note: "confirmed with the customer by phone" }, db);
    if (!approved.ok) throw new Error(JSON.stringify(approved.error));
    expect(vmPowerState(sim, "vm-app-1")).toBe("running");
    expect((await runJob(approved.data.jobId)).ok).toBe(true);

    expect(vmPowerState(sim, "vm-app-1")).toBe("deallocated");
    expect(vmPowerState(sim, "vm-app-2")).toBe("running");
    const executed = await db.revocationRequest.findUniqueOrThrow({ where: { id: second.data.requestId } });
    expect(executed).toMatchObject({ status: "EXECUTED", stoppedVmIds: [expect.stringMatching(/virtualMachines\/vm-app-1$/)], decidedByOid: approver.userOid });
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } });
    expect(tenant).toMatchObject({ healthState: "REVOKED", healthCause: "REVOKED_BY_PROVIDER" });
    expect(await db.healthEvent.findFirst({ where: { customerTenantId: tenant.id }, orderBy: { occurredAt: "desc" } })).toMatchObject({ toState: "REVOKED", cause: "REVOKED_BY_PROVIDER" });
    expect(await db.customerNotification.count({ where: { customerTenantId: tenant.id, kind: "REVOCATION_EXECUTED" } })).toBe(1);
    // Running the job again (a crash after the work, before the engine recorded it) changes nothing.
    expect(await runRevokeJob(db, await db.job.findUniqueOrThrow({ where: { id: approved.data.jobId } }))).toMatchObject({ stoppedVmIds: executed.stoppedVmIds });

    expect(await auditSinceMark()).toEqual([
      "STAFF support.revoke.request SUCCESS",
      "STAFF support.revoke.request FAILURE",
      "STAFF support.revoke.approve DENIED",
      "STAFF support.revoke.cancel SUCCESS",
      "STAFF support.revoke.request SUCCESS",
      "STAFF support.revoke.approve SUCCESS",
      "SYSTEM support.revoke.execute SUCCESS",
    ]);
    // The role refusal of support2 is audited by the action layer (no tenant on it).
    expect(await db.auditEvent.count({ where: { seq: { gt: mark }, action: "support.approve_revocation.denied", actorId: support2.userOid } })).toBe(1);
  });

  it("restore needs a second person (an approver or the customer's admin), probes the key first, then starts the stopped VMs", async () => {
    const REASON_OK = "Customer confirmed the key is safe again";
    // Asked by one approver: not runnable until someone else confirms; self-approval and other tenants are refused.
    const own = await restoreAccessAction.run(approver, { customerTenantId: fixture.customerTenantId, reason: REASON_OK }, db);
    if (!own.ok) throw new Error(JSON.stringify(own.error));
    expect(await db.restoreRequest.findUniqueOrThrow({ where: { id: own.data.restoreRequestId } })).toMatchObject({ status: "PENDING_CONFIRMATION", jobId: null });
    expect(await db.job.count({ where: { customerTenantId: fixture.customerTenantId, kind: "RESTORE", status: "QUEUED" } })).toBe(0);
    expect(await db.customerNotification.count({ where: { customerTenantId: fixture.customerTenantId, kind: "RESTORE_REQUESTED" } })).toBe(1);
    expect(await restoreAccessAction.run(support, { customerTenantId: fixture.customerTenantId, reason: REASON_OK }, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(await approveRestoreAction.run(approver, { restoreRequestId: own.data.restoreRequestId }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN", message: expect.stringContaining("your own") } });
    expect(await approveRestoreAction.run(support2, { restoreRequestId: own.data.restoreRequestId }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await confirmRestoreAction.run(otherCustomer, { restoreRequestId: own.data.restoreRequestId }, db)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await db.restoreRequest.findUniqueOrThrow({ where: { id: own.data.restoreRequestId } })).toMatchObject({ status: "PENDING_CONFIRMATION" });
    expect((await cancelRestoreAction.run(approver, { restoreRequestId: own.data.restoreRequestId }, db)).ok).toBe(true);

    // Asked by support2, approved by the approver: the job runs, but the key is disabled, so nothing starts.
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, false);
    const first = await restoreAccessAction.run(support2, { customerTenantId: fixture.customerTenantId, reason: REASON_OK }, db);
    if (!first.ok) throw new Error(JSON.stringify(first.error));
    const firstApproval = await approveRestoreAction.run(approver, { restoreRequestId: first.data.restoreRequestId }, db);
    if (!firstApproval.ok) throw new Error(JSON.stringify(firstApproval.error));
    expect((await runJob(firstApproval.data.jobId)).ok).toBe(false);
    expect(await db.job.findUniqueOrThrow({ where: { id: firstApproval.data.jobId } })).toMatchObject({ status: "FAILED", lastErrorCode: "KeyDisabled" });
    expect(vmPowerState(sim, "vm-app-1")).toBe("deallocated");
    expect((await db.revocationRequest.findFirstOrThrow({ where: { customerTenantId: fixture.customerTenantId }, orderBy: { requestedAt: "desc" } })).status).toBe("EXECUTED");

    // A request nobody confirms in time expires.
    const stale = await requestRestore({ db, user: support, requestId: "req-stale-restore" }, { customerTenantId: fixture.customerTenantId, reason: REASON_OK }, new Date(Date.now() - RESTORE_CONFIRMATION_WINDOW_MS - 60_000));
    await expect(approveRestore({ db, user: approver, requestId: "req-late-restore" }, { restoreRequestId: stale.restoreRequestId })).rejects.toMatchObject({ code: "CONFLICT", safeMessage: expect.stringContaining("expired") });

    // Asked again, confirmed by the customer's own admin from their portal.
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, true);
    const second = await restoreAccessAction.run(support2, { customerTenantId: fixture.customerTenantId, reason: REASON_OK }, db);
    if (!second.ok) throw new Error(JSON.stringify(second.error));
    const confirmed = await confirmRestoreAction.run(customer, { restoreRequestId: second.data.restoreRequestId }, db);
    if (!confirmed.ok) throw new Error(JSON.stringify(confirmed.error));
    expect(await db.restoreRequest.findUniqueOrThrow({ where: { id: second.data.restoreRequestId } })).toMatchObject({ status: "APPROVED", confirmedByKind: "CUSTOMER", confirmedByOid: customer.userOid, jobId: confirmed.data.jobId });
    expect((await runJob(confirmed.data.jobId)).ok).toBe(true);
    expect(vmPowerState(sim, "vm-app-1")).toBe("running");
    expect(await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } })).toMatchObject({ healthState: "HEALTHY", healthCause: null });
    expect((await db.revocationRequest.findFirstOrThrow({ where: { customerTenantId: fixture.customerTenantId }, orderBy: { requestedAt: "desc" } })).status).toBe("RESTORED");
    expect(await auditSinceMark()).toEqual([
      "STAFF support.restore.request SUCCESS",
      "STAFF support.restore.request FAILURE",
      "STAFF support.restore.approve DENIED",
      "CUSTOMER customer.restore.confirm DENIED",
      "STAFF support.restore.cancel SUCCESS",
      "STAFF support.restore.request SUCCESS",
      "STAFF support.restore.approve SUCCESS",
      "SYSTEM support.restore.execute FAILURE",
      "STAFF support.restore.request SUCCESS",
      "SYSTEM support.restore.expire SUCCESS",
      "STAFF support.restore.approve FAILURE",
      "STAFF support.restore.request SUCCESS",
      "CUSTOMER customer.restore.confirm SUCCESS",
      "SYSTEM support.restore.execute SUCCESS",
    ]);
  });

  it("revoke executes exactly the approved impact: a disk attached after approval stops it and asks for re-approval", async () => {
    const requested = await requestRevocationAction.run(support, { customerTenantId: fixture.customerTenantId, reason: REASON }, db);
    if (!requested.ok) throw new Error(JSON.stringify(requested.error));
    const approved = await approveRevocationAction.run(approver, { requestId: requested.data.requestId }, db);
    if (!approved.ok) throw new Error(JSON.stringify(approved.error));
    const atApproval = await db.revocationRequest.findUniqueOrThrow({ where: { id: requested.data.requestId } });
    expect(atApproval.approvedVmIds).toEqual([vmId("vm-app-1").toLowerCase()]);
    expect(atApproval.approvedDiskIds).toHaveLength(2);

    // Between approval and execution someone encrypts vm-app-2's OS disk with the customer's key.
    const compute = providerCompute(sim);
    await compute.virtualMachines.beginDeallocateAndWait(SIM.providerResourceGroup, "vm-app-2", { updateIntervalInMs: 20 });
    await compute.disks.beginUpdateAndWait(SIM.providerResourceGroup, "vm-app-2-osdisk", { encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: fixture.desArmId } }, { updateIntervalInMs: 20 });
    await compute.virtualMachines.beginStartAndWait(SIM.providerResourceGroup, "vm-app-2", { updateIntervalInMs: 20 });

    expect((await runJob(approved.data.jobId)).ok).toBe(true);
    expect(vmPowerState(sim, "vm-app-1")).toBe("running");
    expect(vmPowerState(sim, "vm-app-2")).toBe("running");
    const stopped = await db.revocationRequest.findUniqueOrThrow({ where: { id: requested.data.requestId } });
    expect(stopped).toMatchObject({ status: "NEEDS_REAPPROVAL", stoppedVmIds: [], lastErrorCode: "ImpactChanged" });
    expect(stopped.lastErrorMessage).toContain("added disk vm-app-2-osdisk, VM vm-app-2");
    expect(stopped.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } })).toMatchObject({ healthState: "HEALTHY" });
    const changed = await db.auditEvent.findFirstOrThrow({ where: { seq: { gt: mark }, action: "support.revoke.impact_changed" } });
    expect(changed).toMatchObject({ result: "FAILURE", details: expect.objectContaining({ addedDisks: [expect.stringMatching(/vm-app-2-osdisk$/)], addedVms: [vmId("vm-app-2").toLowerCase()], removedDisks: [], removedVms: [] }) });

    // The requester still cannot approve; a SupportApprover approves the new impact, and exactly that runs.
    expect(await approveRevocationAction.run(support, { requestId: stopped.id }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const reapproved = await approveRevocationAction.run(approver, { requestId: stopped.id, note: "vm-app-2 is the customer's too" }, db);
    if (!reapproved.ok) throw new Error(JSON.stringify(reapproved.error));
    expect((await runJob(reapproved.data.jobId)).ok).toBe(true);
    expect(vmPowerState(sim, "vm-app-1")).toBe("deallocated");
    expect(vmPowerState(sim, "vm-app-2")).toBe("deallocated");
    expect((await db.revocationRequest.findUniqueOrThrow({ where: { id: stopped.id } })).status).toBe("EXECUTED");

    // Put things back for the next tests: restore (two people), then take vm-app-2's disk off the key again.
    const restore = await restoreAccessAction.run(support, { customerTenantId: fixture.customerTenantId, reason: "Test clean-up: restore both VMs" }, db);
    if (!restore.ok) throw new Error(JSON.stringify(restore.error));
    const restoreApproved = await approveRestoreAction.run(approver, { restoreRequestId: restore.data.restoreRequestId }, db);
    if (!restoreApproved.ok) throw new Error(JSON.stringify(restoreApproved.error));
    expect((await runJob(restoreApproved.data.jobId)).ok).toBe(true);
    await compute.virtualMachines.beginDeallocateAndWait(SIM.providerResourceGroup, "vm-app-2", { updateIntervalInMs: 20 });
    await compute.disks.beginUpdateAndWait(SIM.providerResourceGroup, "vm-app-2-osdisk", { encryption: { type: "EncryptionAtRestWithPlatformKey" } }, { updateIntervalInMs: 20 });
    await compute.virtualMachines.beginStartAndWait(SIM.providerResourceGroup, "vm-app-2", { updateIntervalInMs: 20 });
    expect(vmPowerState(sim, "vm-app-1")).toBe("running");
  });

  it("a request expires when nobody approves it in time, and a rejected one stops nothing", async () => {
    const past = new Date(Date.now() - REVOCATION_APPROVAL_WINDOW_MS - 60_000);
    const stale = await requestRevocation({ db, user: support, requestId: "req-stale" }, { customerTenantId: fixture.customerTenantId, reason: REASON }, past);
    await expect(approveRevocation({ db, user: approver, requestId: "req-late" }, { requestId: stale.id })).rejects.toMatchObject({ code: "CONFLICT", safeMessage: expect.stringContaining("expired") });
    expect((await db.revocationRequest.findUniqueOrThrow({ where: { id: stale.id } })).status).toBe("EXPIRED");
    expect(await expireStaleRevocations(db)).toBe(0);

    const fresh = await requestRevocationAction.run(support, { customerTenantId: fixture.customerTenantId, reason: REASON }, db);
    if (!fresh.ok) throw new Error(JSON.stringify(fresh.error));
    expect((await rejectRevocationAction.run(approver, { requestId: fresh.data.requestId, note: "customer withdrew the request" }, db)).ok).toBe(true);
    expect(vmPowerState(sim, "vm-app-1")).toBe("running");
    expect(await auditSinceMark()).toEqual([
      "STAFF support.revoke.request SUCCESS",
      "SYSTEM support.revoke.expire SUCCESS",
      "STAFF support.revoke.approve FAILURE",
      "STAFF support.revoke.request SUCCESS",
      "STAFF support.revoke.reject SUCCESS",
    ]);
  });

  it("a dropped database connection and a throttled key probe are retried: revocation and restore still complete", async () => {
    const proxy = await startPgFaultProxy(testDatabaseUrl());
    const worker = createPrismaClient(proxy.url);
    const policy = { ...DEFAULT_BACKOFF, baseDelayMs: 20, maxDelayMs: 100 };
    /** The real job runner, on a database connection that goes through the fault proxy, until the job ends. */
    const runToEnd = async (jobId: string) => {
      for (let round = 0; round < 10; round++) {
        await runJobUnderLease(worker, jobId, { workerId: "test-worker", leaseSeconds: 30, policy, pollIntervalMs: 20, log: logger, scheduleRetry: async () => undefined });
        const job = await db.job.findUniqueOrThrow({ where: { id: jobId }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
        if (job.status !== "QUEUED") return job;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, (job.runAfter?.getTime() ?? 0) - Date.now()) + 20));
      }
      throw new Error("the job did not finish in 10 attempts");
    };
    try {
      const requested = await requestRevocationAction.run(support, { customerTenantId: fixture.customerTenantId, reason: REASON }, db);
      if (!requested.ok) throw new Error(JSON.stringify(requested.error));
      const approved = await approveRevocationAction.run(approver, { requestId: requested.data.requestId }, db);
      if (!approved.ok) throw new Error(JSON.stringify(approved.error));
      // The connection drops just as the job records the revocation as carried out (the VM is already deallocated).
      proxy.dropNextMatching((wire) => wire.includes('"RevocationRequest"') && wire.includes("EXECUTED"));
      const revoke = await runToEnd(approved.data.jobId);
      expect(proxy.dropped).toBe(1);
      expect(revoke).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
      expect(revoke.attemptLog[0]!.errorCode).toMatch(/^(P1001|P1017|ConnectionTerminated|08\w{3}|57P0\d)$/);
      expect(await db.revocationRequest.findUniqueOrThrow({ where: { id: requested.data.requestId } })).toMatchObject({ status: "EXECUTED", lastErrorCode: null });
      expect(vmPowerState(sim, "vm-app-1")).toBe("deallocated");
      expect(await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } })).toMatchObject({ healthState: "REVOKED", healthCause: "REVOKED_BY_PROVIDER" });

      // Key Vault throttles the restore's probe beyond the SDK's own retry: the job waits and tries again.
      const restore = await restoreAccessAction.run(support2, { customerTenantId: fixture.customerTenantId, reason: "Customer confirmed the key is safe again" }, db);
      if (!restore.ok) throw new Error(JSON.stringify(restore.error));
      const restoreApproved = await approveRestoreAction.run(approver, { restoreRequestId: restore.data.restoreRequestId }, db);
      if (!restoreApproved.ok) throw new Error(JSON.stringify(restoreApproved.error));
      sim.faults.throttle("keyvault", 2, 0);
      const restored = await runToEnd(restoreApproved.data.jobId);
      expect(restored).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
      expect(restored.attemptLog[0]!.errorCode).toBe("Throttled");
      expect(vmPowerState(sim, "vm-app-1")).toBe("running");
      expect(await auditSinceMark()).toEqual([
        "STAFF support.revoke.request SUCCESS",
        "STAFF support.revoke.approve SUCCESS",
        "SYSTEM support.revoke.execute SUCCESS",
        "STAFF support.restore.request SUCCESS",
        "STAFF support.restore.approve SUCCESS",
        "SYSTEM support.restore.execute SUCCESS",
      ]);
    } finally {
      sim.faults.clearFaults();
      await worker.$disconnect();
      await proxy.close();
    }
  });

  it("a revocation Azure refused can be retried by a support person under the same approval, audited", async () => {
    const requested = await requestRevocationAction.run(support, { customerTenantId: fixture.customerTenantId, reason: REASON }, db);
    if (!requested.ok) throw new Error(JSON.stringify(requested.error));
    const approved = await approveRevocationAction.run(approver, { requestId: requested.data.requestId }, db);
    if (!approved.ok) throw new Error(JSON.stringify(approved.error));
    // Azure refuses the deallocation outright: the job gives up and the request shows why.
    sim.faults.failNextOperations(1, "OperationNotAllowed", "Operation 'deallocate' is not allowed on VM 'vm-app-1' right now.");
    expect((await runJob(approved.data.jobId)).ok).toBe(false);
    const failed = await db.revocationRequest.findUniqueOrThrow({ where: { id: requested.data.requestId } });
    expect(failed).toMatchObject({ status: "FAILED", lastErrorCode: "OperationNotAllowed", stoppedVmIds: [expect.stringMatching(/vm-app-1$/)] });
    expect(vmPowerState(sim, "vm-app-1")).toBe("running");

    // Not for other roles, not for customers; a request that did not fail cannot be "retried".
    expect(await retryRevocationAction.run(operator, { requestId: failed.id }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await retryRevocationAction.run(customer, { requestId: failed.id }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const retried = await retryRevocationAction.run(support2, { requestId: failed.id }, db);
    if (!retried.ok) throw new Error(JSON.stringify(retried.error));
    expect(await db.revocationRequest.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({ status: "APPROVED", executeJobId: retried.data.jobId, lastErrorCode: null });
    expect(await retryRevocationAction.run(support2, { requestId: failed.id }, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });

    expect((await runJob(retried.data.jobId)).ok).toBe(true);
    expect(vmPowerState(sim, "vm-app-1")).toBe("deallocated");
    expect(await db.revocationRequest.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({ status: "EXECUTED", decidedByOid: approver.userOid });
    expect(await auditSinceMark()).toEqual([
      "STAFF support.revoke.request SUCCESS",
      "STAFF support.revoke.approve SUCCESS",
      "SYSTEM support.revoke.execute FAILURE",
      "STAFF support.revoke.retry SUCCESS",
      "STAFF support.revoke.retry FAILURE",
      "SYSTEM support.revoke.execute SUCCESS",
    ]);
    const retryEvent = await db.auditEvent.findFirstOrThrow({ where: { seq: { gt: mark }, action: "support.revoke.retry", result: "SUCCESS" } });
    expect(retryEvent).toMatchObject({ actorId: support2.userOid, details: expect.objectContaining({ previousErrorCode: "OperationNotAllowed", jobId: retried.data.jobId }) });
  });

  it("a worker taking over while the VM is still deallocating waits for that operation instead of sending another", async () => {
    const vm = sim.state.virtualMachines.values().find((v) => v.name === "vm-app-1")!;
    vm.powerState = "running";
    const approvedDiskIdsNow = impactIds(await assessRevocationImpact(db, fixture.customerTenantId)).diskIds;
    const request = await db.revocationRequest.create({
      data: { customerTenantId: fixture.customerTenantId, reason: REASON, requestedByOid: support.userOid, requestedByName: "support", requestedAt: new Date(), expiresAt: new Date(Date.now() + REVOCATION_APPROVAL_WINDOW_MS), impact: {}, stoppedVmIds: [], status: "APPROVED", decidedByOid: approver.userOid, approvedVmIds: [vm.id.toLowerCase()], approvedDiskIds: approvedDiskIdsNow },
    });
    const job = await db.job.create({ data: { kind: "REVOKE", idempotencyKey: `test-takeover:${request.id}`, customerTenantId: fixture.customerTenantId, payload: { revocationRequestId: request.id, requestId: null } } });
    const deallocations = () => [...sim.state.operations.values()].filter((op) => op.kind === "deallocate" && op.resourceId === vm.id && !before.has(op.id)).length;
    const before = new Set(sim.state.operations.keys());
    // The first worker's deallocation stays in flight (as if it died waiting for it); a second worker takes the job over.
    sim.faults.stallNextOperations(1);
    const first = runRevokeJob(db, job);
    await waitFor(async () => vm.powerState === "deallocating", 10_000, "the deallocation to start");
    const second = runRevokeJob(db, await db.job.findUniqueOrThrow({ where: { id: job.id } }));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(deallocations()).toBe(1);
    expect(sim.faults.releaseStalledOperations()).toBe(1);
    await Promise.all([first, second]);
    expect(deallocations()).toBe(1);
    expect(vm.powerState).toBe("deallocated");
    expect(await db.revocationRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "EXECUTED", stoppedVmIds: [vm.id] });
  }, 60_000);

  it("leaves an intact audit chain behind", async () => {
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });
});
