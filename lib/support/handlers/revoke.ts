// Job REVOKE: carry out an approved revocation (deallocate the VMs that use the customer's DES, mark Revoked).
import type { JobHandler } from "../../jobs/types";
import { revokeFailed, runRevokeJob } from "../revocation";
import { runSupportOperation } from "./outcome";

export const revokeHandler: JobHandler = {
  kind: "REVOKE",
  concurrency: () => 1,
  run: (ctx) => runSupportOperation(ctx, { run: runRevokeJob, failed: revokeFailed }),
};
