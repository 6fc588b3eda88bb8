// Job ROTATE_KEY: switch a customer's DES to another key version, or turn auto-rotation on or off.
import type { JobHandler } from "../../jobs/types";
import { rotateKeyFailed, runRotateKeyJob } from "../rotation";
import { runSupportOperation } from "./outcome";

export const rotateKeyHandler: JobHandler = {
  kind: "ROTATE_KEY",
  concurrency: (workerConcurrency) => Math.max(1, Math.floor(workerConcurrency / 2)),
  run: (ctx) => runSupportOperation(ctx, { run: runRotateKeyJob, failed: rotateKeyFailed }),
};
