// Job VERIFY_KEY: one attempt of the provider's probe of a customer's key per run; between attempts the job waits
// in the queue (runAfter), not in a worker slot (lib/onboarding/verification.ts).
import type { JobHandler } from "../jobs/types";
import { runVerificationAttempt } from "./verification";

export const verifyKeyHandler: JobHandler = {
  kind: "VERIFY_KEY",
  // Reads only (a token, the key, a wrap and an unwrap), each attempt short: as wide as the worker allows.
  concurrency: (workerConcurrency) => Math.max(1, workerConcurrency),
  run: runVerificationAttempt,
};
