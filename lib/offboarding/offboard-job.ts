// Job OFFBOARD: the provider side of an approved offboarding (disks off the customer's key, then the DES deleted).
import type { JobHandler } from "../jobs/types";
import { runSupportOperation } from "../support/handlers/outcome";
import { offboardFailed, runOffboardJob } from "./job";

export const offboardHandler: JobHandler = {
  kind: "OFFBOARD",
  concurrency: () => 1,
  run: (ctx) => runSupportOperation(ctx, { run: runOffboardJob, failed: offboardFailed }),
};
