// The shared ARM write budget, with two gates on one database standing for two workers (each its own
// connection pool): together they never write faster than the bucket allows, and a 429 seen by one pauses both.
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { testDatabaseUrl } from "../testing/db";
import { ArmWriteGate, type ArmWriteBudgetLimits } from "./write-gate";

const workerA = createPrismaClient(testDatabaseUrl());
const workerB = createPrismaClient(testDatabaseUrl());
afterAll(async () => {
  await workerA.$disconnect();
  await workerB.$disconnect();
});

const limits = (subscriptionId: string): ArmWriteBudgetLimits => ({ subscriptionId, region: "westeurope", bucketSize: 5, refillPerSecond: 10 });

/** Acquires `count` writes in parallel through `gate` and returns when each was granted (ms since `start`). */
async function grants(gate: ArmWriteGate, count: number, start: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async () => {
    await gate.acquire();
    return performance.now() - start;
  }));
}

describe("shared ARM write budget", () => {
  it("paces two workers together at the bucket's rate: never more than bucket + refill × elapsed writes", async () => {
    const a = new ArmWriteGate(workerA, limits("sub-rate"));
    const b = new ArmWriteGate(workerB, limits("sub-rate"));
    // Both reserve 15 writes at once; the database's clock says when each may go.
    const reservations = (await Promise.all([...Array.from({ length: 15 }, () => a.reserve()), ...Array.from({ length: 15 }, () => b.reserve())]));
    const usable = reservations.map((r) => r.usableAt.getTime()).sort((x, y) => x - y);
    // Token bucket: within any window of length w, at most bucketSize + refill × w writes (+0.05: the times come back
    // rounded to the millisecond).
    for (let i = 0; i < usable.length; i++) {
      for (let j = i; j < usable.length; j++) {
        const windowSeconds = ((usable[j] ?? 0) - (usable[i] ?? 0)) / 1000;
        expect(j - i + 1).toBeLessThanOrEqual(5 + 10 * windowSeconds + 0.05);
      }
    }
    // 30 writes with 5 in the bucket: the last may go (30 − 5) / 10 s = 2.5 s after the first.
    expect((usable.at(-1) ?? 0) - (usable[0] ?? 0)).toBeGreaterThanOrEqual(2400);
  });

  it("acquire waits for its reserved token: 20 writes through two workers take (20 − 5) / 10 s", async () => {
    const a = new ArmWriteGate(workerA, limits("sub-acquire"));
    const b = new ArmWriteGate(workerB, limits("sub-acquire"));
    const start = performance.now();
    const times = (await Promise.all([grants(a, 10, start), grants(b, 10, start)])).flat().sort((x, y) => x - y);
    expect(times.at(-1) ?? 0).toBeGreaterThanOrEqual(1450);
    expect(times.at(-1) ?? 0).toBeLessThan(3000);
  });

  it("each gate alone would allow the full rate: the budget is one, not one per worker", async () => {
    const a = new ArmWriteGate(workerA, { ...limits("sub-one"), refillPerSecond: 2 });
    const b = new ArmWriteGate(workerB, { ...limits("sub-one"), refillPerSecond: 2 });
    const start = performance.now();
    await grants(a, 5, start);
    // A's writes emptied the bucket B draws from too: B's next write waits for a refill (about 1/2 s).
    const [bTime] = await grants(b, 1, performance.now());
    expect(bTime ?? 0).toBeGreaterThanOrEqual(300);
  });

  it("a 429 seen by one worker pauses the other until Retry-After", async () => {
    const a = new ArmWriteGate(workerA, limits("sub-pause"));
    const b = new ArmWriteGate(workerB, limits("sub-pause"));
    await a.acquire();
    await a.pause(800);
    expect(await b.pausedForMs()).toBeGreaterThan(600);
    const start = performance.now();
    await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(700);
    expect(await a.pausedForMs()).toBe(0);
  });

  it("after a 429 the bucket refills from the 429, not from the last write before it (ARM's bucket was empty then)", async () => {
    const a = new ArmWriteGate(workerA, limits("sub-pause-refill"));
    for (let i = 0; i < 5; i++) await a.reserve(); // the bucket of 5 is empty
    await new Promise((resolve) => setTimeout(resolve, 400)); // 4 tokens' worth of time passes before Azure answers 429
    await a.pause(0);
    // Azure said empty at the 429: the next write waits for a token refilled after it, not for one from those 400 ms.
    const next = await a.reserve();
    expect(next.tokens).toBeLessThan(0);
    expect(next.waitMs).toBeGreaterThan(50);
  });

  it("keeps subscriptions (and regions) apart", async () => {
    const busy = new ArmWriteGate(workerA, limits("sub-busy"));
    await busy.pause(5_000);
    const other = new ArmWriteGate(workerB, limits("sub-other"));
    const otherRegion = new ArmWriteGate(workerB, { ...limits("sub-busy"), region: "northeurope" });
    expect(await other.pausedForMs()).toBe(0);
    expect((await other.reserve()).waitMs).toBe(0);
    expect((await otherRegion.reserve()).waitMs).toBe(0);
  });

  it("a waiting write notices when the pause is lifted early (resume)", async () => {
    const a = new ArmWriteGate(workerA, limits("sub-resume"));
    const b = new ArmWriteGate(workerB, limits("sub-resume"));
    await a.pause(60_000);
    const start = performance.now();
    const waiting = b.acquire();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await a.resume();
    await waiting;
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it("stops waiting when the job is cancelled", async () => {
    const gate = new ArmWriteGate(workerA, limits("sub-abort"));
    await gate.pause(10_000);
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal);
    controller.abort(new Error("job cancelled"));
    await expect(waiting).rejects.toThrow("job cancelled");
  });
});
