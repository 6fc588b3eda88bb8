// Job HEALTH_CHECK: an operator's "check now" (scheduled checks use the lighter health_scan queue, see scheduler.ts).
import type { JobHandler } from "../jobs/types";
import { backoffDelay } from "../provisioning/azure-errors";
import { checkTenantHealth } from "./service";

export const healthCheckHandler: JobHandler = {
  kind: "HEALTH_CHECK",
  concurrency: (workerConcurrency) => workerConcurrency,
  async run(ctx) {
    const customerTenantId = ctx.job.customerTenantId ?? (ctx.job.payload as { customerTenantId?: string }).customerTenantId;
    if (!customerTenantId) return { status: "failed", errorCode: "NoTenant", errorMessage: "The health check names no tenant." };
    const result = await checkTenantHealth(ctx.db, customerTenantId);
    if (result.status === "inconclusive") {
      return ctx.attempt < 3
        ? { status: "retry", delayMs: backoffDelay(ctx.attempt, ctx.policy), errorCode: "Inconclusive", errorMessage: result.detail }
        : { status: "failed", errorCode: "Inconclusive", errorMessage: result.detail };
    }
    return { status: "succeeded", result: result.status === "checked" ? { state: result.state, cause: result.cause, changed: result.changed } : { skipped: result.reason } };
  },
};
