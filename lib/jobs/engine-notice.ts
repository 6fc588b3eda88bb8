// What a page says when work waits for the job engine and no worker runs: a clear notice instead of a
// progress message that never ends.
import type { JobEngineStatus } from "./heartbeat";

export type JobEngineNotice = { title: string; body: string; fix: string };

const time = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * Support staff see it whenever the engine is down (they are about to queue work); customers only while
 * something of theirs waits for it. `waiting` says whether this page shows work that the engine must do.
 */
export function jobEngineNotice(status: JobEngineStatus, audience: "support" | "customer", waiting: boolean): JobEngineNotice | null {
  if (status.running) return null;
  if (audience === "customer") {
    if (!waiting) return null;
    return {
      title: "Your request is waiting: the provider's job engine is not running",
      body: "Nothing is lost: the work is queued and continues by itself as soon as the job engine runs again. Until then this page does not change.",
      fix: "If this lasts more than a few minutes, contact your provider's support.",
    };
  }
  const since = status.lastSeenAt ? `No job worker has reported since ${time(status.lastSeenAt)}` : "No job worker has reported yet";
  return {
    title: "The job engine is not running",
    body: `${since} (${status.reason}). ${waiting ? "The rotation, revocation or restore shown below is queued and will not progress" : "Rotations, revocations and restores you queue now wait"} until a worker runs again; nothing is lost.`,
    fix: "Start the job worker (npm run worker, or restart the worker service) and check its logs for why it stopped; queued work then resumes by itself.",
  };
}
