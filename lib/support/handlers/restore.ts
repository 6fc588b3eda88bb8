// Job RESTORE: prove the key works again, start what revoke stopped, back to Healthy.
import type { JobHandler } from "../../jobs/types";
import { restoreFailed, runRestoreJob } from "../revocation";
import { runSupportOperation } from "./outcome";

export const restoreHandler: JobHandler = {
  kind: "RESTORE",
  concurrency: () => 1,
  run: (ctx) => runSupportOperation(ctx, { run: runRestoreJob, failed: restoreFailed }),
};
