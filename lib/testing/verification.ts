// Key verification in tests without a worker process: start it as the wizard does, then run the VERIFY_KEY job's
// next attempt in this process through the real runner (lease, attempt record, outcome), as a worker would.
import pino from "pino";
import type { Db } from "../db/client";
import { runJob } from "../jobs/runner";
import { startKeyVerification, type Ctx } from "../onboarding/service";
import { verificationView, type VerificationView } from "../onboarding/verification";

const silent = pino({ level: "silent" });

/** The job of the verification in force for a tenant (by its Entra tenant id). */
export async function verificationJobId(db: Db, entraTenantId: string): Promise<string> {
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: entraTenantId }, include: { onboarding: true } });
  const jobId = tenant.onboarding?.verifyJobId;
  if (!jobId) throw new Error("No verification in force for this tenant");
  return jobId;
}

/** Runs the next attempt now: the wait the job asked for (runAfter) is taken as over. */
export async function runNextVerificationAttempt(db: Db, entraTenantId: string, workerId = "test-worker"): Promise<VerificationView> {
  const jobId = await verificationJobId(db, entraTenantId);
  await db.job.updateMany({ where: { id: jobId, status: "QUEUED" }, data: { runAfter: null } });
  await runJob(db, jobId, { workerId, leaseSeconds: 30, log: silent, scheduleRetry: async () => undefined });
  return verificationView(db, entraTenantId);
}

/** "Verify" (or "Verify again" with restart) and the job's first attempt. */
export async function verifyOnce(ctx: Ctx, input: { restart?: boolean } = {}): Promise<VerificationView> {
  await startKeyVerification(ctx, input);
  return runNextVerificationAttempt(ctx.db, ctx.user.tenantId);
}
