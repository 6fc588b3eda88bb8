// The request a piece of server code runs for: set by the server action wrapper and route handlers, read by the
// logger's mixin so every log line of that request carries its id.
import { AsyncLocalStorage } from "node:async_hooks";

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` as part of the request `requestId`; nested calls keep the outermost id. */
export function withRequestId<T>(requestId: string, work: () => T): T {
  const current = storage.getStore();
  if (current) return work();
  return storage.run({ requestId }, work);
}

/** The id of the request this code runs for, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
