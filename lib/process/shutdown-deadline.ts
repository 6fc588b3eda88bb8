// The web server's half of graceful shutdown. On SIGTERM, Next's standalone server stops accepting
// connections and waits for the requests in flight (server.close()), then exits 143. A request that never
// ends (a hung upstream, a stuck stream) would keep it waiting until the platform kills it; this deadline
// ends the process itself, so shutdown takes at most SHUTDOWN_DEADLINE_MS whatever is in flight.
export const SHUTDOWN_DEADLINE_MS = 25_000;

let armed = false;

/** Once per process: after SIGTERM/SIGINT, exit with 143 when still alive `deadlineMs` later. */
export function armShutdownDeadline(deadlineMs: number = SHUTDOWN_DEADLINE_MS): void {
  if (armed) return;
  armed = true;
  const onSignal = () => {
    // unref: when Next finishes first, this timer does not hold the process.
    setTimeout(() => {
      process.stderr.write(`shutdown: requests still in flight after ${Math.round(deadlineMs / 1000)} s; exiting\n`);
      process.exit(143);
    }, deadlineMs).unref();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
