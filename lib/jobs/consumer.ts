// A queue consumer that keeps up to `concurrency` handlers in flight with one polling loop. pg-boss's own work()
// runs one batch at a time and then waits out the rest of its polling interval, so N parallel jobs meant N loops
// (N fetch queries per interval while idle) and a slot that sat idle after every job shorter than the interval.
// Here a free slot is refilled as soon as a handler ends while the queue has messages, and an empty queue costs one
// query per interval.
import type PgBoss from "pg-boss";
import type { Logger } from "pino";

export type QueueConsumerOptions = {
  concurrency: number;
  pollingIntervalMs: number;
  /** Stops fetching; handlers already running see it through their own signal. */
  signal: AbortSignal;
  log: Logger;
};

export type QueueConsumer = {
  /** Resolves once the loop has stopped (after `signal` aborts) and every handler it started has ended. */
  drained(): Promise<void>;
};

export function consumeQueue<T extends object>(boss: PgBoss, queue: string, options: QueueConsumerOptions, handle: (data: T) => Promise<void>): QueueConsumer {
  const { concurrency, pollingIntervalMs, signal, log } = options;
  const inFlight = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const waitForWake = (ms?: number) => new Promise<void>((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(() => wake?.(), ms);
    wake = () => {
      if (timer) clearTimeout(timer);
      wake = undefined;
      resolve();
    };
  });
  // One listener for the consumer's life (not one per wait: the worker's signal is shared by all its consumers).
  signal.addEventListener("abort", () => wake?.(), { once: true });

  const start = (message: PgBoss.Job<T>) => {
    const running: Promise<void> = handle(message.data)
      .then(() => boss.complete(queue, message.id), (error: unknown) => boss.fail(queue, message.id, { message: (error as Error).message }))
      .catch((error: unknown) => log.warn({ err: error, queue }, "could not acknowledge a queue message; it is delivered again after its expiry"))
      .finally(() => {
        inFlight.delete(running);
        wake?.();
      });
    inFlight.add(running);
  };

  const loop = (async () => {
    while (!signal.aborted) {
      const free = concurrency - inFlight.size;
      let fetched = 0;
      if (free > 0) {
        try {
          const messages = await boss.fetch<T>(queue, { batchSize: free });
          fetched = messages.length;
          for (const message of messages) start(message);
        } catch (error) {
          log.warn({ err: error, queue }, "could not fetch from the queue");
        }
      }
      if (signal.aborted) break;
      // Every slot taken: go again when a handler ends. The queue gave fewer than asked: it is empty for now, look
      // again after the polling interval (or when a handler ends). Otherwise fetch again at once.
      if (inFlight.size >= concurrency) await waitForWake();
      else if (fetched < free) await waitForWake(pollingIntervalMs);
    }
  })();

  return {
    async drained() {
      await loop;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
