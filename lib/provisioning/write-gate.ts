// One ARM write budget per subscription and principal: when Azure answers 429 to any write, every job in
// this worker holds its next write until Retry-After has passed, instead of each one hitting the limit again.

let pausedUntil = 0;

export function pauseArmWrites(ms: number, now = Date.now()): void {
  pausedUntil = Math.max(pausedUntil, now + ms);
}

export function armWritesPausedForMs(now = Date.now()): number {
  return Math.max(0, pausedUntil - now);
}

/** Resolves when writes may go again (immediately when not paused); rejects if `signal` aborts first. */
export async function waitForArmWriteSlot(signal?: AbortSignal): Promise<void> {
  for (let wait = armWritesPausedForMs(); wait > 0; wait = armWritesPausedForMs()) {
    await sleep(wait, signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
