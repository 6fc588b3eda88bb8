// Turns a support operation into a job outcome the runner understands: done, try again (Azure throttled,
// 5xx, role propagation) or give up — and only on giving up is the failure recorded and audited once.
import type { Job } from "../../db/generated/prisma/client";
import type { Db } from "../../db/client";
import { AppError } from "../../errors";
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
    // Our own refusals (probe failed, request no longer approved) need a person to change something first.
    if (error instanceof AppError) {
      const failure = { code: error.azureCode ?? error.code, message: error.fix ? `${error.safeMessage} ${error.fix}` : error.safeMessage };
      await operation.failed(ctx.db, ctx.job, failure);
      return { status: "failed", errorCode: failure.code, errorMessage: failure.message };
    }
    const azure = classifyAzureError(error);
    const elapsed = Date.now() - (ctx.job.startedAt ?? ctx.job.createdAt).getTime();
    const decision = retryDecision(azure, ctx.attempt, elapsed, ctx.policy);
    const message = azure.message.slice(0, 500);
    if (decision.retry) return { status: "retry", delayMs: decision.delayMs, errorCode: azure.azureCode, errorMessage: message };
    await operation.failed(ctx.db, ctx.job, { code: azure.azureCode, message });
    return { status: "failed", errorCode: azure.azureCode, errorMessage: message };
  }
}
