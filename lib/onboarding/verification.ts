// Key verification as a job (VERIFY_KEY): the wizard starts it, the worker makes the attempts — the provider's probe
// of the customer's key through the federated cross-tenant identity, retried while role propagation or Azure's
// throttling may still explain a refusal — and the wizard and the status page read its progress from the database.
// Closing the tab does not stop it. The Onboarding row points at the verification in force (verifyJobId); a job
// that is no longer that one stops without touching anything.
import { z } from "zod";
import type { Db } from "../db/client";
import { Prisma, type Job } from "../db/generated/prisma/client";
import { recordAudit } from "../audit/log";
import { recordedName } from "../audit/actor-names";
import { serverEnv } from "../env";
import { HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME } from "../azure/managed-hsm";
import { probeCustomerKey, type KeyProbeProblem } from "../azure/key-probe";
import { lookUpServicePrincipal } from "../consent/service";
import { wakeJob } from "../jobs/enqueue";
import type { JobContext, JobOutcome } from "../jobs/types";
import { logger } from "../logger";
import { currentTraceparent } from "../telemetry/spans";

/** How long "no access" may still be role propagation (Azure: "can take up to 10 minutes"); the worker's policy sets it. */
export const VERIFY_WINDOW_MS = 10 * 60_000;

export type VerifyProblem = KeyProbeProblem | "WRONG_SCOPE" | "ACCESS_POLICY_INCOMPLETE";

export const DIAGNOSES: Record<VerifyProblem, { title: string; fix: string }> = {
  ROLE_MISSING: { title: "The provider's app has no access to the key.", fix: "Grant access again in step 4 (the role Key Vault Crypto Service Encryption User on the key, or an access policy with get, wrap key, unwrap key)." },
  WRONG_SCOPE: { title: "The role is assigned at a scope that does not include this key.", fix: "Assign the role on the key itself (or its vault) in step 4." },
  ACCESS_POLICY_INCOMPLETE: { title: "The provider's app's access policy lacks key permissions disk encryption needs (get, wrap key and unwrap key).", fix: "Grant access again in step 4, or add the missing key permissions to the app's entry in the vault's Access policies." },
  KEY_DISABLED: { title: "The key is disabled.", fix: "Enable the key (or its current version) in your vault, then verify again." },
  KEY_NOT_FOUND: { title: "The key or this version no longer exists.", fix: "Pick the key again in step 3 (a deleted key can be recovered from the vault's deleted keys)." },
  KEY_EXPIRED: { title: "The key has expired.", fix: "Extend its expiry or rotate to a new version, then pick it again in step 3." },
  VAULT_FIREWALL: { title: "The vault's firewall blocks the provider's probe.", fix: "The probe comes from the provider's network, not as a trusted Microsoft service: allow the provider's egress addresses in the vault's Networking settings, or skip the probe and let Azure's own check decide." },
  CONSENT_REMOVED: { title: "Consent was removed: the provider's app is no longer installed in your organization.", fix: "Grant admin consent again in step 1." },
  FEDERATION_BROKEN: { title: "The provider's identity federation is not working.", fix: "This is on the provider's side; support has been notified. Try again later." },
  THROTTLED: { title: "Azure is throttling requests right now.", fix: "Wait a minute; verification retries by itself." },
  UNAVAILABLE: { title: "Key Vault did not answer as expected.", fix: "Try again in a minute." },
};

const HSM_ROLE_MISSING = { title: "The provider's app has no access to the key.", fix: `Grant access again in step 4 (the local role “${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}” at /keys/{key name}).` };

/**
 * What really works when the vault's firewall blocks the provider's probe: allow the provider's published egress
 * addresses, or skip the probe and let Azure's own check decide when the disk encryption set is created.
 */
export type FirewallOptions = { vaultName: string; egressAddresses: string[]; commands: string[]; skipOffered: true };

export function firewallOptions(vaultName: string, egressAddresses: string[]): FirewallOptions {
  return {
    vaultName,
    egressAddresses,
    // az keyvault network-rule add: https://learn.microsoft.com/cli/azure/keyvault/network-rule
    commands: egressAddresses.map((address) => `az keyvault network-rule add --name ${vaultName} --ip-address ${address}`),
    skipOffered: true,
  };
}

/** What the customer accepts by skipping the probe, shown before and after the choice. */
export const PROBE_SKIPPED_NOTICE =
  "The provider's probe was skipped: nobody has proven that the provider's app can read, wrap and unwrap your key. Azure checks the key itself when it creates the disk encryption set; if Azure cannot reach the key through your vault's firewall, creating the disk encryption set fails and the status page shows Azure's error.";

/** What a successful verification proved, in the customer's words. */
export function verifiedProof(store: VerifiedStore): string {
  if (store.kind === "managedHsm") return `From its own tenant, the provider's app read your key, and ${store.name} wrapped and unwrapped a test value with it for the app.`;
  const probe = "From its own tenant, the provider's app read your key, and Key Vault wrapped and unwrapped a test value with it for the app.";
  return store.accessPolicy ? `${probe} The app's access policy grants get, wrap key and unwrap key.` : probe;
}

type VerifiedStore = { kind: "vault"; name: string; accessPolicy: boolean } | { kind: "managedHsm"; name: string };

/** Onboarding fields that belong to one key's verification: cleared when another vault, pool or key is chosen. */
export const VERIFICATION_RESET = { accessGrantedAt: null, verifiedAt: null, probeSkippedAt: null, verifyStartedAt: null, verifyAttempts: 0, lastVerifyProblem: null, verifyJobId: null } as const;

// ─── The job's payload ─────────────────────────────────────────────────────

const accessSeen = z.object({ state: z.enum(["granted", "wrong-scope", "missing", "unknown"]), missingPermissions: z.array(z.string()).optional() });

const payloadSchema = z.object({
  keyUrl: z.string().url(),
  store: z.discriminatedUnion("kind", [z.object({ kind: z.literal("vault"), name: z.string(), accessPolicy: z.boolean() }), z.object({ kind: z.literal("managedHsm"), name: z.string() })]),
  /**
   * The provider app's access as the admin's own Azure access showed it when verification started. The worker has
   * no delegated access: this tells an access policy that lacks a permission (which applies at once, so waiting
   * cannot help) and a role assigned at the wrong scope from propagation.
   */
  access: accessSeen,
  actor: z.object({ oid: z.string(), tenantId: z.string(), userName: z.string(), displayName: z.string() }),
  requestId: z.string().nullable(),
});

export type VerifyKeyPayload = z.infer<typeof payloadSchema>;
export type AccessSeen = z.infer<typeof accessSeen>;

// ─── Progress, as the job records it (Job.result) and the pages read it ───

const FailedSchema = z.object({
  state: z.literal("failed"),
  problem: z.string(),
  title: z.string(),
  fix: z.string(),
  azureCode: z.string().optional(),
  attempt: z.number(),
  firewall: z.object({ vaultName: z.string(), egressAddresses: z.array(z.string()), commands: z.array(z.string()), skipOffered: z.literal(true) }).optional(),
});
const recordedSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("waiting"), problem: z.string(), attempt: z.number(), startedAt: z.string(), windowMs: z.number() }),
  z.object({ state: z.literal("verified"), keyUrl: z.string(), proven: z.string(), attempt: z.number() }),
  FailedSchema,
]);
type Recorded = z.infer<typeof recordedSchema>;

function recorded(result: unknown): Recorded | null {
  const parsed = recordedSchema.safeParse(result);
  return parsed.success ? parsed.data : null;
}

export type FailedVerification = { state: "failed"; problem: VerifyProblem; title: string; fix: string; azureCode?: string; attempt: number; firewall?: FirewallOptions };

/** The verification of the onboarding's key as the customer sees it. */
export type VerificationView =
  | { state: "none" }
  /** Started; the worker has not made an attempt yet. */
  | { state: "checking"; attempt: 0; elapsedMs: number; windowMs: number }
  | { state: "waiting"; problem: KeyProbeProblem; attempt: number; elapsedMs: number; retryInMs: number; windowMs: number }
  | { state: "verified"; keyUrl: string; proven: string }
  /** `probeSkipped`: the customer skipped the probe earlier and may still continue to review. */
  | (FailedVerification & { probeSkipped?: boolean })
  | { state: "skipped"; notice: string };

export function isInProgress(view: VerificationView): view is Extract<VerificationView, { state: "checking" | "waiting" }> {
  return view.state === "checking" || view.state === "waiting";
}

/** Read only: the verification in force for the signed-in customer's tenant (by the session's Entra tenant id). */
export async function verificationView(db: Db, entraTenantId: string, now: Date = new Date()): Promise<VerificationView> {
  const tenant = await db.customerTenant.findUnique({
    where: { tenantId: entraTenantId },
    select: {
      onboarding: {
        select: {
          step: true, keyUrl: true, permissionModel: true, verifiedAt: true, probeSkippedAt: true, verifyStartedAt: true,
          verifyJob: { select: { status: true, result: true, runAfter: true, createdAt: true, payload: true, lastErrorCode: true, attempts: true } },
        },
      },
    },
  });
  const onboarding = tenant?.onboarding;
  if (!onboarding || (onboarding.step !== "VERIFY" && onboarding.step !== "REVIEW")) return { state: "none" };
  const job = onboarding.verifyJob && (onboarding.verifyJob.payload as { keyUrl?: unknown }).keyUrl === onboarding.keyUrl ? onboarding.verifyJob : null;
  const progress = recorded(job?.result);
  if (job && (job.status === "QUEUED" || job.status === "RUNNING")) {
    const started = onboarding.verifyStartedAt ?? job.createdAt;
    if (progress?.state !== "waiting") return { state: "checking", attempt: 0, elapsedMs: Math.max(0, now.getTime() - started.getTime()), windowMs: VERIFY_WINDOW_MS };
    return {
      state: "waiting",
      problem: progress.problem as KeyProbeProblem,
      attempt: progress.attempt,
      elapsedMs: Math.max(0, now.getTime() - new Date(progress.startedAt).getTime()),
      retryInMs: Math.max(0, (job.runAfter?.getTime() ?? now.getTime()) - now.getTime()),
      windowMs: progress.windowMs,
    };
  }
  if (job?.status === "SUCCEEDED" && progress?.state === "verified") return { state: "verified", keyUrl: progress.keyUrl, proven: progress.proven };
  const skippedAfter = onboarding.probeSkippedAt && (!job || job.createdAt < onboarding.probeSkippedAt);
  if (skippedAfter) return { state: "skipped", notice: PROBE_SKIPPED_NOTICE };
  if (onboarding.verifiedAt && onboarding.keyUrl) {
    // Verified without a job of its own (before verification ran as a job, or through /api/v1).
    const store: VerifiedStore = onboarding.permissionModel === "MANAGED_HSM" ? { kind: "managedHsm", name: "your Managed HSM pool" } : { kind: "vault", name: "", accessPolicy: onboarding.permissionModel === "ACCESS_POLICY" };
    return { state: "verified", keyUrl: onboarding.keyUrl, proven: verifiedProof(store) };
  }
  if (job?.status === "FAILED") {
    const failed: FailedVerification = progress?.state === "failed"
      ? { ...progress, problem: progress.problem as VerifyProblem }
      // The job stopped on something it did not diagnose itself (it threw): nothing more specific is known.
      : { state: "failed", problem: "UNAVAILABLE", title: "Verification stopped before it could decide.", fix: "Verify again; if it stops again, contact the provider's support.", attempt: job.attempts, ...(job.lastErrorCode && /^[A-Za-z][A-Za-z0-9]{1,60}$/.test(job.lastErrorCode) ? { azureCode: job.lastErrorCode } : {}) };
    if (onboarding.probeSkippedAt) {
      // The skip was chosen before this verification: it still stands, and skipping again is not on offer.
      const { firewall: _firewall, ...rest } = failed;
      return { ...rest, probeSkipped: true };
    }
    return failed;
  }
  return { state: "none" };
}

// ─── Starting a verification ──────────────────────────────────────────────

/**
 * Cancels the tenant's open verifications except the one made from the same request (`idempotencyKey`) and, unless
 * `all`, the one the onboarding points at. A running attempt of a cancelled job loses its lease and writes nothing.
 */
async function cancelOpenVerifications(tx: Prisma.TransactionClient, input: { customerTenantId: string; onboardingId: string; idempotencyKey: string; all: boolean }): Promise<void> {
  const reason = "A new verification of the key was started.";
  const cancelled = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Job" SET status = 'CANCELLED', "lockedBy" = NULL, "lockedUntil" = NULL, "runAfter" = NULL,
      "finishedAt" = (now() AT TIME ZONE 'UTC'), "lastErrorMessage" = ${reason}, "updatedAt" = (now() AT TIME ZONE 'UTC')
    WHERE "customerTenantId" = ${input.customerTenantId}::uuid AND kind = 'VERIFY_KEY' AND status IN ('QUEUED', 'RUNNING')
      AND "idempotencyKey" <> ${input.idempotencyKey}
      ${input.all ? Prisma.empty : Prisma.sql`AND id IS DISTINCT FROM (SELECT "verifyJobId" FROM "Onboarding" WHERE id = ${input.onboardingId}::uuid)`}
    RETURNING id::text AS id`;
  if (cancelled.length === 0) return;
  await tx.jobAttempt.updateMany({ where: { jobId: { in: cancelled.map((row) => row.id) }, finishedAt: null }, data: { finishedAt: new Date(), errorCode: "Cancelled", errorMessage: reason } });
}

/**
 * Starts a verification of the onboarding's key. `restart` supersedes the tenant's open verification; otherwise the
 * one in force is kept (and one left over from an earlier key is cancelled). The same request on the same onboarding
 * state (a double click, two tabs opening the step at once) is one job: the idempotency key names the state it was
 * made from, and the database allows one open verification per tenant.
 */
export async function enqueueKeyVerification(db: Db, input: { customerTenantId: string; onboarding: { id: string; updatedAt: Date }; payload: VerifyKeyPayload; restart: boolean }): Promise<Job> {
  const payload = payloadSchema.parse(input.payload);
  const idempotencyKey = `verify-key:${input.onboarding.id}:${input.onboarding.updatedAt.getTime()}`;
  const job = await db.$transaction(async (tx) => {
    await cancelOpenVerifications(tx, { customerTenantId: input.customerTenantId, onboardingId: input.onboarding.id, idempotencyKey, all: input.restart });
    // DO NOTHING on either unique key: the same request again, or an open verification that stays in force.
    const inserted = await tx.job.createMany({
      data: [{ kind: "VERIFY_KEY", idempotencyKey, customerTenantId: input.customerTenantId, payload: payload as Prisma.InputJsonValue, requestedBy: payload.actor.oid, traceparent: currentTraceparent() }],
      skipDuplicates: true,
    });
    const row = (await tx.job.findUnique({ where: { idempotencyKey } })) ?? (await tx.job.findFirstOrThrow({ where: { customerTenantId: input.customerTenantId, kind: "VERIFY_KEY", status: { in: ["QUEUED", "RUNNING"] } } }));
    if (inserted.count === 1) {
      await tx.onboarding.update({ where: { id: input.onboarding.id }, data: { verifyJobId: row.id, verifyStartedAt: row.createdAt, verifyAttempts: 0, lastVerifyProblem: null, verifiedAt: null } });
    }
    return row;
  });
  await wakeJob(job).catch((error: unknown) => logger.warn({ err: error, jobId: job.id }, "could not wake the worker; the sweeper will"));
  return job;
}

// ─── One attempt, in the worker ───────────────────────────────────────────

/** The delay before the next attempt: 2 s doubling up to 30 s with the default policy, with jitter. */
function nextAttemptDelayMs(attempt: number, policy: JobContext["policy"]): number {
  return Math.round(Math.min(policy.propagationDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4));
}

type Current = { onboardingId: string; verifyAttempts: number; verifyStartedAt: Date | null; tenantId: string; customerTenantId: string };

/**
 * Runs `write` in one transaction while this job is still the verification in force: this worker holds its lease (a
 * restart cancels it), the onboarding still points at it, for the same key, in the verify or review step. Locks the
 * Job row, then the Onboarding row, in the order every writer of both takes them. Undefined when superseded.
 */
async function whileInForce<T>(db: Db, job: Job, write: (tx: Prisma.TransactionClient, current: Current) => Promise<T>): Promise<T | undefined> {
  return db.$transaction(async (tx) => {
    const held = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM "Job" WHERE id = ${job.id}::uuid AND "lockedBy" = ${job.lockedBy} AND status = 'RUNNING' FOR UPDATE`;
    if (held.length === 0) return undefined;
    const current = await inForce(tx, job, true);
    return current ? write(tx, current) : undefined;
  });
}

async function inForce(db: Db | Prisma.TransactionClient, job: Job, lock = false): Promise<Current | undefined> {
  const keyUrl = (job.payload as { keyUrl?: string }).keyUrl ?? "";
  const rows = await db.$queryRaw<Current[]>`
    SELECT o.id::text AS "onboardingId", o."verifyAttempts", o."verifyStartedAt", t."tenantId", t.id::text AS "customerTenantId"
    FROM "Onboarding" o JOIN "CustomerTenant" t ON t.id = o."customerTenantId"
    WHERE o."verifyJobId" = ${job.id}::uuid AND o."keyUrl" = ${keyUrl} AND o.step IN ('VERIFY', 'REVIEW')
    ${lock ? Prisma.sql`FOR UPDATE OF o` : Prisma.empty}`;
  return rows[0];
}

const SUPERSEDED: JobOutcome = { status: "cancelled", reason: "Another verification, or another key, took this one's place." };

function auditVerify(tx: Prisma.TransactionClient, job: Job, payload: VerifyKeyPayload, customerTenantId: string, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>) {
  // The admin who started the verification, as when the browser ran the attempts; the job is named in the details.
  return recordAudit(tx, {
    actorType: "CUSTOMER",
    actorId: payload.actor.oid,
    actorTenantId: payload.actor.tenantId,
    actorRole: "CustomerAdmin",
    action: "onboarding.verify",
    customerTenantId,
    result,
    requestId: payload.requestId,
    ...(result === "SUCCESS" ? { targetType: "key", targetId: payload.keyUrl } : {}),
    details: { keyUrl: payload.keyUrl, ...details, ...(payload.store.kind === "managedHsm" ? { keyStore: "managedHsm" } : {}), jobId: job.id, userName: payload.actor.userName, displayName: payload.actor.displayName },
  });
}

/**
 * One attempt of a VERIFY_KEY job. "No access" right after a grant is usually role propagation: the job asks to run
 * again (runAfter, no worker slot held) until the window has passed, then diagnoses. Every attempt's progress is
 * written with the job's lease held; a re-run after a crash continues from what was written (and an outcome already
 * recorded is returned as it is, without a second audit event).
 */
export async function runVerificationAttempt(ctx: JobContext): Promise<JobOutcome> {
  const { db, job } = ctx;
  const parsed = payloadSchema.safeParse(job.payload);
  if (!parsed.success) return { status: "failed", errorCode: "InvalidPayload", errorMessage: "The verification job's payload is not valid." };
  const payload = parsed.data;
  const done = recorded(job.result);
  if (done?.state === "verified") return { status: "succeeded", result: done };
  if (done?.state === "failed") return { status: "failed", errorCode: done.azureCode ?? done.problem, errorMessage: done.title, result: done };
  const current = await inForce(db, job);
  if (!current) return SUPERSEDED;

  const attempt = current.verifyAttempts + 1;
  const startedAt = current.verifyStartedAt ?? job.createdAt;
  const windowMs = ctx.policy.propagationWindowMs;
  const now = new Date();
  // Consent first: a cached token may still open the key for a while after the app was removed.
  const consentGone = (await lookUpServicePrincipal(current.tenantId).catch(() => ({ id: "unknown" }))) === null;
  if (ctx.signal.aborted) return SUPERSEDED;

  if (!consentGone && payload.store.kind === "vault" && payload.store.accessPolicy && payload.access.state === "missing") {
    const missing = payload.access.missingPermissions ?? [];
    const failed: FailedVerification = { state: "failed", problem: "ACCESS_POLICY_INCOMPLETE", title: `The provider's app's access policy lacks the key permission${missing.length === 1 ? "" : "s"} ${missing.join(", ")}, which disk encryption needs.`, fix: DIAGNOSES.ACCESS_POLICY_INCOMPLETE.fix, attempt };
    return recordFailure(ctx, payload, failed, { missingPermissions: missing });
  }

  const probe = consentGone ? { ok: false as const, problem: "CONSENT_REMOVED" as const, azureCode: "ServicePrincipalNotFound", checkedAt: now } : await probeCustomerKey(current.tenantId, payload.keyUrl);
  if (ctx.signal.aborted) return SUPERSEDED;
  if (probe.ok) {
    const verified = { state: "verified" as const, keyUrl: payload.keyUrl, proven: verifiedProof(payload.store), attempt };
    const written = await whileInForce(db, job, async (tx, { onboardingId, customerTenantId }) => {
      await tx.onboarding.update({ where: { id: onboardingId }, data: { verifyAttempts: attempt, verifiedAt: probe.checkedAt, probeSkippedAt: null, lastVerifyProblem: null } });
      // Compare-and-set: only an onboarding still in the verify step moves on (one step event, however many re-runs).
      const moved = await tx.onboarding.updateMany({ where: { id: onboardingId, step: "VERIFY" }, data: { step: "REVIEW" } });
      if (moved.count === 1) await tx.onboardingStepEvent.create({ data: { onboardingId, step: "REVIEW", actorOid: payload.actor.oid, actorName: recordedName(payload.actor) } });
      await tx.job.update({ where: { id: job.id }, data: { result: verified } });
      await auditVerify(tx, job, payload, customerTenantId, "SUCCESS", { attempts: attempt });
      return true;
    });
    return written ? { status: "succeeded", result: verified } : SUPERSEDED;
  }

  const elapsedMs = now.getTime() - startedAt.getTime();
  const transient = !consentGone && (probe.problem === "ROLE_MISSING" || probe.problem === "THROTTLED" || probe.problem === "UNAVAILABLE");
  if (transient && elapsedMs < windowMs) {
    const waiting = { state: "waiting" as const, problem: probe.problem, attempt, startedAt: startedAt.toISOString(), windowMs };
    const written = await whileInForce(db, job, async (tx, { onboardingId }) => {
      await tx.onboarding.update({ where: { id: onboardingId }, data: { verifyAttempts: attempt, lastVerifyProblem: probe.problem, verifiedAt: null } });
      await tx.job.update({ where: { id: job.id }, data: { result: waiting } });
      return true;
    });
    if (!written) return SUPERSEDED;
    return { status: "retry", delayMs: nextAttemptDelayMs(attempt, ctx.policy), errorCode: probe.azureCode ?? probe.problem, errorMessage: DIAGNOSES[probe.problem].title };
  }

  let problem: VerifyProblem = consentGone ? "CONSENT_REMOVED" : probe.problem;
  // "Never granted" and "granted somewhere else" differ: the admin's view of the assignments when verification started.
  if (problem === "ROLE_MISSING" && payload.access.state === "wrong-scope") problem = "WRONG_SCOPE";
  const diagnosis = problem === "ROLE_MISSING" && payload.store.kind === "managedHsm" ? HSM_ROLE_MISSING : DIAGNOSES[problem];
  const firewall = problem === "VAULT_FIREWALL" && payload.store.kind === "vault" ? firewallOptions(payload.store.name, serverEnv().PROVIDER_EGRESS_IPS) : undefined;
  const failed: FailedVerification = { state: "failed", problem, ...diagnosis, ...(probe.azureCode ? { azureCode: probe.azureCode } : {}), attempt, ...(firewall ? { firewall } : {}) };
  return recordFailure(ctx, payload, failed, { problem, azureCode: probe.azureCode ?? null });
}

async function recordFailure(ctx: JobContext, payload: VerifyKeyPayload, failed: FailedVerification, details: Record<string, unknown>): Promise<JobOutcome> {
  const written = await whileInForce(ctx.db, ctx.job, async (tx, { onboardingId, customerTenantId }) => {
    await tx.onboarding.update({ where: { id: onboardingId }, data: { verifyAttempts: failed.attempt, lastVerifyProblem: failed.problem, verifiedAt: null } });
    if (failed.problem === "CONSENT_REMOVED") await tx.customerTenant.update({ where: { id: customerTenantId }, data: { consentStatus: "REMOVED" } });
    await tx.job.update({ where: { id: ctx.job.id }, data: { result: failed } });
    await auditVerify(tx, ctx.job, payload, customerTenantId, "FAILURE", { problem: failed.problem, ...details, attempts: failed.attempt });
    return true;
  });
  return written ? { status: "failed", errorCode: failed.azureCode ?? failed.problem, errorMessage: failed.title, result: failed } : SUPERSEDED;
}
