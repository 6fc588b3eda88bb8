import { describe, expect, it } from "vitest";
import { nextRestartDelay, supervise, type BackoffPolicy } from "./supervise";

// stableMs is long: a slow machine can take over a second to start node, which must not count as a stable run.
const policy: BackoffPolicy = { initialMs: 50, maxMs: 200, stableMs: 60_000 };
const LONG_RUNNING = ["-e", "setInterval(() => {}, 1000)"];

async function until<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out");
}

describe("nextRestartDelay", () => {
  it("doubles after quick deaths up to the cap, and starts over after a stable run", () => {
    let delay: number | undefined;
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push((delay = nextRestartDelay(delay, 10, policy)));
    expect(seen).toEqual([50, 100, 200, 200, 200]);
    expect(nextRestartDelay(200, 60_000, policy)).toBe(50);
  });
});

describe("supervise", () => {
  it("starts a killed child again and says so", async () => {
    const lines: string[] = [];
    const supervised = supervise({ name: "worker", command: process.execPath, args: LONG_RUNNING, say: (line) => lines.push(line), policy });
    try {
      const first = await until(() => supervised.child?.pid);
      process.kill(first, "SIGKILL");
      const second = await until(() => (supervised.child?.pid && supervised.child.pid !== first ? supervised.child.pid : undefined));
      expect(second).not.toBe(first);
      expect(supervised.restarts).toBe(1);
      expect(lines).toEqual([expect.stringMatching(/^ {2}worker +exited \(SIGKILL\) after .*; restarting in 50 ms \(restart 1\)$/)]);
    } finally {
      await supervised.stop();
    }
  });

  it("backs off while the child keeps dying at start", async () => {
    const lines: string[] = [];
    const supervised = supervise({ name: "worker", command: process.execPath, args: ["-e", "process.exit(3)"], say: (line) => lines.push(line), policy });
    try {
      await until(() => (supervised.restarts >= 4 ? true : undefined));
    } finally {
      await supervised.stop();
    }
    expect(lines.slice(0, 4).map((line) => /restarting in (\d+) ms/.exec(line)?.[1])).toEqual(["50", "100", "200", "200"]);
    expect(lines[0]).toContain("exited (code 3)");
  });

  it("stops the child and does not restart it after stop()", async () => {
    const supervised = supervise({ name: "worker", command: process.execPath, args: LONG_RUNNING, say: () => undefined, policy });
    const child = await until(() => supervised.child);
    await supervised.stop();
    expect(child.signalCode).toBe("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervised.child).toBeUndefined();
    expect(supervised.restarts).toBe(0);
  });
});
