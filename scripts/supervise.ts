// Keeps a long-running child process (the job worker) alive for the launcher: when it dies it is started
// again after a back-off that doubles on each quick death (1 s, 2 s, 4 s … capped) and starts over once
// the child has stayed up for a while; every exit and restart is said on the console.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export type BackoffPolicy = { initialMs: number; maxMs: number; stableMs: number };

export const DEFAULT_RESTART_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, stableMs: 60_000 };

/** The wait before the next start: back to the initial delay after a stable run, else double the last one. */
export function nextRestartDelay(previousDelayMs: number | undefined, uptimeMs: number, policy: BackoffPolicy): number {
  if (previousDelayMs === undefined || uptimeMs >= policy.stableMs) return policy.initialMs;
  return Math.min(previousDelayMs * 2, policy.maxMs);
}

export type Supervised = {
  /** The running child, if any (undefined while waiting to restart). */
  readonly child: ChildProcess | undefined;
  readonly restarts: number;
  /** No more restarts; SIGTERM to the child and wait for it to exit. */
  stop(): Promise<void>;
};

export type SuperviseOptions = {
  name: string;
  command: string;
  args: string[];
  spawnOptions?: SpawnOptions;
  say: (line: string) => void;
  policy?: BackoffPolicy;
};

function seconds(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export function supervise(options: SuperviseOptions): Supervised {
  const policy = options.policy ?? DEFAULT_RESTART_BACKOFF;
  const label = options.name.padEnd(10);
  let child: ChildProcess | undefined;
  let restarts = 0;
  let delay: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const start = () => {
    timer = undefined;
    const startedAt = Date.now();
    const current = spawn(options.command, options.args, options.spawnOptions ?? {});
    child = current;
    current.on("error", (error) => options.say(`  ${label} could not start: ${error.message}`));
    current.on("exit", (code, signal) => {
      if (child === current) child = undefined;
      if (stopping) return;
      const uptime = Date.now() - startedAt;
      delay = nextRestartDelay(delay, uptime, policy);
      restarts += 1;
      options.say(`  ${label} exited (${signal ?? `code ${code}`}) after ${seconds(uptime)}; restarting in ${seconds(delay)} (restart ${restarts})`);
      timer = setTimeout(start, delay);
    });
  };
  start();

  return {
    get child() {
      return child;
    },
    get restarts() {
      return restarts;
    },
    stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        running.once("exit", () => resolve());
        running.kill("SIGTERM");
      });
    },
  };
}
