// Turns a support operation into a job outcome the runner understands: done, try again (Azure throttled or
// 5xx, role propagation, a dropped database connection) or give up — and only on giving up is the failure
// recorded and audited once. The same classifier and backoff as provisioning decide.
import type { Job } from "../../db/generated/prisma/client";
import type { Db } from "../../db/client";
import type { JobContext, JobOutcome } from "../../jobs/types";
import { classifyAzureError, retryDecision } from "../../provisioning/azure-errors";

export type SupportOperation = {
  run(db: Db, job: Job): Promise<Record<string, unknown>>;
  failed(db: Db, job: Job, failure: { code: string; message: string }): Promise<void>;
};

export async function runSupportOperation(ctx: JobContext, operation: SupportOperation): Promise<JobOutcome> {
  try {
    return { status: "succeeded", result: await operation.run(ctx.db, ctx.job) };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const failure = classifyAzureError(error);
    ctx.log.warn({ err: error, kind: failure.kind, azureCode: failure.azureCode }, "support job attempt failed");
    const elapsed = Date.now() - (ctx.job.startedAt ?? ctx.job.createdAt).getTime();
    const decision = retryDecision(failure, ctx.attempt, elapsed, ctx.policy);
    const message = failure.message.slice(0, 500);
    if (decision.retry) return { status: "retry", delayMs: decision.delayMs, errorCode: failure.azureCode, errorMessage: message };
    await operation.failed(ctx.db, ctx.job, { code: failure.azureCode, message });
    return { status: "failed", errorCode: failure.azureCode, errorMessage: message };
  }
}
