// Key verification as a VERIFY_KEY job, against the simulator and a real database: one open verification per tenant
// (concurrent starts and restarts), the worker waiting out role propagation without holding a slot and moving the
// onboarding to review once, the firewall diagnosis and its skip, a worker crash mid-attempt and after the outcome
// was written, a job superseded by another key, and the read action that shows only the caller's own tenant.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { Prisma } from "../db/generated/prisma/client";
import { closeSharedQueue } from "../jobs/queue";
import { runJob } from "../jobs/runner";
import { startWorker, type RunningWorker } from "../jobs/worker";
import type { BackoffPolicy } from "../provisioning/azure-errors";
import { waitFor } from "../provisioning/testing";
import { testDatabaseUrl, testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import { runNextVerificationAttempt, verificationJobId } from "../testing/verification";
import { verificationProgressAction, verifyAction } from "./actions";
import { reopenOnboardingAt } from "./progress";
import { customerStatus } from "./status";
import { createKeyForOnboarding, grantAccess, grantMyselfKeyAccess, selectKey, selectVault, skipProbeBlockedByFirewall, startKeyVerification } from "./service";
import { enqueueKeyVerification, verificationView, type VerificationView } from "./verification";
import { verifyKeyHandler } from "./verify-key-job";

const db = testDb();
const { contoso, fabrikam } = SIM.customers;
const silent = pino({ level: "silent" });
/** Production's shape (2 s doubling to 30 s within 10 minutes), scaled down. */
const POLICY: BackoffPolicy = { baseDelayMs: 200, maxDelayMs: 1_000, propagationDelayMs: 500, propagationWindowMs: 60_000, maxTransientAttempts: 4 };
let sim: SimHandle;
let connie: SessionUser;
let worker: RunningWorker | undefined;
const ctx = () => ({ db, user: connie });
const view = () => verificationView(db, contoso.tenantId);
const onboarding = async () => (await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId }, include: { onboarding: true } })).onboarding!;
const tenantRow = () => db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId } });
const verifyAudits = async (jobId: string, result: "SUCCESS" | "FAILURE") =>
  (await db.auditEvent.findMany({ where: { action: "onboarding.verify", result } })).filter((e) => (e.details as { jobId?: string } | null)?.jobId === jobId);

async function startTestWorker(): Promise<RunningWorker> {
  worker = await startWorker({ databaseUrl: testDatabaseUrl(), concurrency: 2, leaseSeconds: 3, healthIntervalMinutes: 15, scheduleHealth: false, policy: POLICY, pollIntervalMs: 50, queuePollingSeconds: 0.5, sweepIntervalMs: 500, log: silent });
  return worker;
}

async function stopTestWorker(): Promise<void> {
  await worker?.stop();
  worker = undefined;
}

async function viewUntil(states: VerificationView["state"][], timeoutMs = 30_000): Promise<VerificationView> {
  return waitFor(async () => {
    const current = await view();
    return states.includes(current.state) ? current : undefined;
  }, timeoutMs, `verification ${states.join(" or ")}`);
}

/** What a worker that died mid-attempt leaves: the job running under a lease that has lapsed, its attempt open. */
async function leaveAsDeadWorker(jobId: string): Promise<void> {
  const job = await db.job.update({ where: { id: jobId }, data: { status: "RUNNING", lockedBy: "dead-worker", lockedUntil: new Date(Date.now() - 1_000), attempts: { increment: 1 }, startedAt: new Date(), runAfter: null } });
  await db.jobAttempt.create({ data: { jobId, attempt: job.attempts } });
}

beforeAll(async () => {
  sim = await startSimForTests();
  sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  connie = await sessionFor(sim, db, "contosoAdmin");
  await confirmConsent(db, connie);
  await selectVault(ctx(), { vaultResourceId: `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}` });
  await grantMyselfKeyAccess(ctx());
  await selectKey(ctx(), { keyName: contoso.keyName });
  await grantAccess(ctx());
}, 90_000);

afterAll(async () => {
  await stopTestWorker();
  await closeSharedQueue();
  await sim?.stop();
});

describe("starting a verification", () => {
  it("is one job per tenant: concurrent starts share it, a restart supersedes it, and the database refuses a second open one", async () => {
    const before = await onboarding();
    const [first, second] = await Promise.all([startKeyVerification(ctx()), startKeyVerification(ctx())]);
    expect(first).toMatchObject({ state: "checking" });
    expect(second).toMatchObject({ state: "checking" });
    const tenant = await tenantRow();
    const jobs = () => db.job.findMany({ where: { customerTenantId: tenant.id, kind: "VERIFY_KEY" }, orderBy: { createdAt: "asc" } });
    expect(await jobs()).toHaveLength(1);
    const original = (await jobs())[0]!;
    expect((await onboarding()).verifyJobId).toBe(original.id);
    expect(original.payload).toMatchObject({ keyUrl: (await onboarding()).keyUrl, store: { kind: "vault", name: contoso.vaultName, accessPolicy: false }, access: { state: "granted" }, actor: { oid: connie.userOid } });

    // The same request arriving late (made from the state before the job existed, even as a restart) is the same job, left open.
    const late = await enqueueKeyVerification(db, { customerTenantId: tenant.id, onboarding: before, payload: original.payload as Parameters<typeof enqueueKeyVerification>[1]["payload"], restart: true });
    expect(late.id).toBe(original.id);
    expect(await db.job.findUniqueOrThrow({ where: { id: original.id } })).toMatchObject({ status: "QUEUED" });
    expect((await onboarding()).verifyJobId).toBe(original.id);

    // Opening the step again shows the verification in force instead of starting another.
    expect(await startKeyVerification(ctx())).toMatchObject({ state: "checking" });
    expect(await jobs()).toHaveLength(1);

    // "Verify again", clicked twice at once: one new verification, the old one cancelled.
    await Promise.all([startKeyVerification(ctx(), { restart: true }), startKeyVerification(ctx(), { restart: true })]);
    const after = await jobs();
    expect(after).toHaveLength(2);
    expect(after.map((j) => j.status)).toEqual(["CANCELLED", "QUEUED"]);
    expect((await onboarding()).verifyJobId).toBe(after[1]!.id);
    // A cancelled job's wake-up is a no-op.
    expect(await runJob(db, original.id, { workerId: "test-worker", leaseSeconds: 30, log: silent, scheduleRetry: async () => undefined })).toEqual({ ran: false, reason: "finished" });

    const byHand = db.job.create({ data: { kind: "VERIFY_KEY", idempotencyKey: "verify-key:by-hand", customerTenantId: tenant.id, payload: after[1]!.payload as Prisma.InputJsonValue } });
    await expect(byHand).rejects.toMatchObject({ code: "P2002" });
  });
});

describe("the worker runs the verification", () => {
  it("waits out role propagation between attempts without holding a worker slot, then moves the onboarding to review once", async () => {
    const tenant = await tenantRow();
    sim.faults.setSettings({ propagationDelayMs: 4_000 });
    sim.faults.removeRoleAssignments({ principalId: tenant.servicePrincipalObjectId! });
    await grantAccess(ctx());
    await startTestWorker();
    expect(await startKeyVerification(ctx(), { restart: true })).toMatchObject({ state: "checking" });
    const jobId = await verificationJobId(db, contoso.tenantId);

    const waiting = await viewUntil(["waiting"]);
    expect(waiting).toMatchObject({ state: "waiting", problem: "ROLE_MISSING", windowMs: POLICY.propagationWindowMs });
    // Between attempts the job is back in the queue with a time to run, not running in a slot.
    const parked = await waitFor(async () => {
      const job = await db.job.findUniqueOrThrow({ where: { id: jobId }, include: { attemptLog: true } });
      return job.status === "QUEUED" && job.runAfter && job.lockedBy === null ? job : undefined;
    }, 10_000, "the job to wait in the queue");
    expect(parked.attemptLog.every((a) => a.finishedAt !== null)).toBe(true);

    const verified = await viewUntil(["verified"]);
    expect(verified).toMatchObject({ state: "verified", proven: expect.stringContaining("Key Vault wrapped and unwrapped a test value") });
    sim.faults.setSettings({ propagationDelayMs: 0 });

    const job = await db.job.findUniqueOrThrow({ where: { id: jobId }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attempts).toBeGreaterThanOrEqual(2);
    expect(job.attemptLog.slice(0, -1).map((a) => a.errorCode)).toEqual(job.attemptLog.slice(0, -1).map(() => "ForbiddenByRbac"));
    expect(job.attemptLog.at(-1)!.errorCode).toBeNull();
    const stored = await onboarding();
    expect(stored).toMatchObject({ step: "REVIEW", verifyAttempts: job.attempts, lastVerifyProblem: null, probeSkippedAt: null });
    expect(stored.verifiedAt).toBeInstanceOf(Date);
    const reviewEvents = await db.onboardingStepEvent.findMany({ where: { onboardingId: stored.id, step: "REVIEW" } });
    expect(reviewEvents).toHaveLength(1);
    expect(reviewEvents[0]).toMatchObject({ actorOid: connie.userOid, actorName: "Connie Admin" });
    const audits = await verifyAudits(jobId, "SUCCESS");
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorType: "CUSTOMER", actorId: connie.userOid, targetType: "key", targetId: stored.keyUrl });
    expect(audits[0]!.details).toMatchObject({ attempts: job.attempts, displayName: "Connie Admin" });
    // The status page's history: the outcome as a step, not the refused attempts of the wait.
    const history = (await customerStatus(db, contoso.tenantId))!.timeline;
    expect(history.filter((entry) => entry.kind === "job")).toEqual([]);
    expect(history.map((entry) => entry.title)).toContain("Key verified by the provider");
  }, 60_000);

  it("diagnoses the vault firewall at once, with the ways forward, and the customer may skip the probe", async () => {
    const tenant = await tenantRow();
    // The admin goes back to the verify step; meanwhile the vault's firewall was closed.
    await reopenOnboardingAt(db, tenant.id, "VERIFY", connie.userOid, "Connie Admin");
    sim.state.vaultByName(contoso.vaultName)!.networkDefaultAction = "Deny";
    try {
      await startKeyVerification(ctx(), { restart: true });
      const failed = await viewUntil(["failed"]);
      expect(failed).toMatchObject({
        state: "failed", problem: "VAULT_FIREWALL", azureCode: "ForbiddenByFirewall", attempt: 1, title: "The vault's firewall blocks the provider's probe.",
        firewall: { vaultName: contoso.vaultName, skipOffered: true },
      });
      const jobId = await verificationJobId(db, contoso.tenantId);
      expect(await db.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: "FAILED", lastErrorCode: "ForbiddenByFirewall", attempts: 1 });
      expect(await onboarding()).toMatchObject({ step: "VERIFY", lastVerifyProblem: "VAULT_FIREWALL", verifiedAt: null });
      expect(await verifyAudits(jobId, "FAILURE")).toHaveLength(1);

      expect(await skipProbeBlockedByFirewall(ctx())).toMatchObject({ state: "skipped" });
      expect(await view()).toMatchObject({ state: "skipped" });
      // Opening the verify step again shows the choice; it does not probe again.
      expect(await startKeyVerification(ctx())).toMatchObject({ state: "skipped" });
      expect(await verificationJobId(db, contoso.tenantId)).toBe(jobId);
    } finally {
      sim.state.vaultByName(contoso.vaultName)!.networkDefaultAction = "Allow";
    }
    // "Verify again" after the skip: verified, and the skip is lifted.
    await startKeyVerification(ctx(), { restart: true });
    expect(await viewUntil(["verified"])).toMatchObject({ state: "verified" });
    expect(await onboarding()).toMatchObject({ step: "REVIEW", probeSkippedAt: null });
    await stopTestWorker();
  }, 60_000);
});

describe("crash safety", () => {
  it("a worker dies mid-attempt: another takes the job over when the lease lapses and finishes it", async () => {
    await startKeyVerification(ctx(), { restart: true });
    const jobId = await verificationJobId(db, contoso.tenantId);
    await leaveAsDeadWorker(jobId);
    const next = await startTestWorker();
    await next.sweepNow();
    expect(await viewUntil(["verified"])).toMatchObject({ state: "verified" });
    const job = await db.job.findUniqueOrThrow({ where: { id: jobId }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attemptLog.map((a) => a.errorCode)).toEqual(["WorkerLost", null]);
    expect(await verifyAudits(jobId, "SUCCESS")).toHaveLength(1);
    await stopTestWorker();
  }, 60_000);

  it("a worker dies after writing the outcome but before recording it: the re-run returns it without probing or auditing again", async () => {
    await startKeyVerification(ctx(), { restart: true });
    const jobId = await verificationJobId(db, contoso.tenantId);
    // The first worker's attempt runs to the end of the handler, then the worker dies before the runner records it.
    const held = await db.job.update({ where: { id: jobId }, data: { status: "RUNNING", lockedBy: "dead-worker", lockedUntil: new Date(Date.now() + 60_000), attempts: 1, startedAt: new Date() } });
    await db.jobAttempt.create({ data: { jobId, attempt: 1 } });
    expect(await verifyKeyHandler.run({ db, job: held, attempt: 1, signal: new AbortController().signal, log: silent, policy: POLICY, pollIntervalMs: 50 })).toMatchObject({ status: "succeeded" });
    await db.job.update({ where: { id: jobId }, data: { lockedUntil: new Date(Date.now() - 1_000) } });
    const eventsBefore = await db.onboardingStepEvent.count();

    // Even with the key now disabled, the re-run reports what the first attempt proved: it does not probe again.
    sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, false);
    try {
      const rerun = await runJob(db, jobId, { workerId: "next-worker", leaseSeconds: 30, log: silent, scheduleRetry: async () => undefined });
      expect(rerun).toMatchObject({ ran: true, outcome: { status: "succeeded" } });
    } finally {
      sim.faults.setKeyEnabled({ vault: contoso.vaultName, key: contoso.keyName }, true);
    }
    const job = await db.job.findUniqueOrThrow({ where: { id: jobId }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attemptLog.map((a) => a.errorCode)).toEqual(["WorkerLost", null]);
    expect(await verifyAudits(jobId, "SUCCESS")).toHaveLength(1);
    expect(await db.onboardingStepEvent.count()).toBe(eventsBefore);
    expect(await view()).toMatchObject({ state: "verified" });
  });

  it("no access after the propagation window is a diagnosis, not another wait", async () => {
    const tenant = await tenantRow();
    sim.faults.setSettings({ propagationDelayMs: 600_000 });
    sim.faults.removeRoleAssignments({ principalId: tenant.servicePrincipalObjectId! });
    await grantAccess(ctx());
    sim.faults.setSettings({ propagationDelayMs: 0 });
    await startKeyVerification(ctx(), { restart: true });
    expect(await runNextVerificationAttempt(db, contoso.tenantId)).toMatchObject({ state: "waiting", problem: "ROLE_MISSING", attempt: 1, windowMs: 10 * 60_000 });
    // Ten minutes and more have passed since the verification started.
    const { id } = await onboarding();
    await db.onboarding.update({ where: { id }, data: { verifyStartedAt: new Date(Date.now() - 11 * 60_000) } });
    expect(await runNextVerificationAttempt(db, contoso.tenantId)).toEqual({
      state: "failed", problem: "ROLE_MISSING", attempt: 2, azureCode: "ForbiddenByRbac",
      title: "The provider's app has no access to the key.", fix: expect.stringContaining("Grant access again in step 4"),
    });
    const jobId = await verificationJobId(db, contoso.tenantId);
    expect(await db.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: "FAILED", attempts: 2 });
    expect(await verifyAudits(jobId, "FAILURE")).toHaveLength(1);
  });

  it("a verification whose key was replaced stops at its next attempt without touching the onboarding", async () => {
    const tenant = await tenantRow();
    sim.faults.setSettings({ propagationDelayMs: 600_000 });
    sim.faults.removeRoleAssignments({ principalId: tenant.servicePrincipalObjectId! });
    await grantAccess(ctx());
    await startKeyVerification(ctx(), { restart: true });
    expect(await runNextVerificationAttempt(db, contoso.tenantId)).toMatchObject({ state: "waiting", problem: "ROLE_MISSING", attempt: 1 });
    const jobId = await verificationJobId(db, contoso.tenantId);
    sim.faults.setSettings({ propagationDelayMs: 0 });

    // The admin creates and picks another key while the first one's verification waits.
    await createKeyForOnboarding(ctx(), { name: "second-disk-key", keyType: "RSA", keySize: 3072 });
    const replaced = await onboarding();
    expect(replaced).toMatchObject({ step: "ACCESS", verifyJobId: null, verifyAttempts: 0, lastVerifyProblem: null });

    await db.job.update({ where: { id: jobId }, data: { runAfter: null } });
    expect(await runJob(db, jobId, { workerId: "test-worker", leaseSeconds: 30, log: silent, scheduleRetry: async () => undefined })).toMatchObject({ ran: true, outcome: { status: "cancelled" } });
    expect(await db.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: "CANCELLED" });
    expect(await onboarding()).toMatchObject({ step: "ACCESS", verifyJobId: null, verifyAttempts: 0, lastVerifyProblem: null, updatedAt: replaced.updatedAt });
    expect(await view()).toEqual({ state: "none" });
  });
});

describe("reading the verification", () => {
  it("shows each tenant only its own; readers may read but not start one", async () => {
    // Tenant B (Fabrikam) mid-verification of its own key.
    const fay = await sessionFor(sim, db, "fabrikamAdmin");
    const tenantB = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: fabrikam.tenantId }, include: { onboarding: true } });
    const keyUrlB = `https://${fabrikam.vaultName}.vault.azure.net/keys/${fabrikam.keyName}/0123456789abcdef0123456789abcdef`;
    const onboardingB = await db.onboarding.update({ where: { id: tenantB.onboarding!.id }, data: { step: "VERIFY", keyUrl: keyUrlB, keyName: fabrikam.keyName, permissionModel: "ACCESS_POLICY" } });
    await enqueueKeyVerification(db, {
      customerTenantId: tenantB.id,
      onboarding: onboardingB,
      payload: { keyUrl: keyUrlB, store: { kind: "vault", name: fabrikam.vaultName, accessPolicy: true }, access: { state: "granted" }, actor: { oid: fay.userOid, tenantId: fay.tenantId, userName: fay.userName, displayName: fay.displayName }, requestId: null },
      restart: false,
    });
    const asB = await verificationProgressAction.run(fay, {}, db);
    expect(asB).toMatchObject({ ok: true, data: { state: "checking" } });

    // Contoso's admin sees Contoso's state (none: its key was replaced above), nothing of Fabrikam's.
    const asA = await verificationProgressAction.run(connie, {}, db);
    expect(asA).toEqual({ ok: true, data: { state: "none" } });
    expect(JSON.stringify(asA)).not.toMatch(/fabrikam/i);

    const reader = { ...connie, roles: ["Customer.Reader"] };
    expect(await verificationProgressAction.run(reader, {}, db)).toEqual({ ok: true, data: { state: "none" } });
    expect(await verifyAction.run(reader, { restart: true }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await verificationProgressAction.run(null, {}, db)).toMatchObject({ ok: false, error: { code: "UNAUTHENTICATED" } });
  });
});
