// The bounded queue consumer against a stand-in for pg-boss's fetch/complete/fail: at most `concurrency` handlers at
// once, a free slot refilled as soon as a handler ends (not after the polling interval), one fetch per interval
// while the queue is empty, and every message acknowledged by its outcome.
import type PgBoss from "pg-boss";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { consumeQueue } from "./consumer";

type Message = { n: number };

function fakeQueue(count: number) {
  const waiting = Array.from({ length: count }, (_, n) => ({ id: `m${n}`, name: "q", data: { n } }));
  const calls = { fetches: 0, asked: [] as number[], completed: [] as string[], failed: [] as string[] };
  const boss = {
    async fetch(_queue: string, options: { batchSize: number }) {
      calls.fetches += 1;
      calls.asked.push(options.batchSize);
      return waiting.splice(0, options.batchSize);
    },
    async complete(_queue: string, id: string) {
      calls.completed.push(id);
    },
    async fail(_queue: string, id: string) {
      calls.failed.push(id);
    },
  } as unknown as PgBoss;
  return { boss, calls, waiting };
}

const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("consumeQueue", () => {
  it("runs at most `concurrency` handlers and refills a slot as soon as one ends", async () => {
    const { boss, calls } = fakeQueue(12);
    const controller = new AbortController();
    let running = 0;
    let most = 0;
    const started = Date.now();
    const consumer = consumeQueue<Message>(boss, "q", { concurrency: 3, pollingIntervalMs: 60_000, signal: controller.signal, log }, async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(40);
      running -= 1;
    });
    while (calls.completed.length < 12) await sleep(10);
    // Four rounds of 40 ms, not four polling intervals of a minute.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(most).toBe(3);
    expect(Math.max(...calls.asked)).toBeLessThanOrEqual(3);
    controller.abort();
    await consumer.drained();
  });

  it("asks an empty queue once per polling interval", async () => {
    const { boss, calls } = fakeQueue(0);
    const controller = new AbortController();
    const consumer = consumeQueue<Message>(boss, "q", { concurrency: 100, pollingIntervalMs: 100, signal: controller.signal, log }, async () => undefined);
    await sleep(450);
    controller.abort();
    await consumer.drained();
    expect(calls.fetches).toBeGreaterThanOrEqual(3);
    expect(calls.fetches).toBeLessThanOrEqual(6);
  });

  it("completes what succeeded, fails what threw, and waits for running handlers when stopped", async () => {
    const { boss, calls } = fakeQueue(2);
    const controller = new AbortController();
    let finishedAfterStop = false;
    const consumer = consumeQueue<Message>(boss, "q", { concurrency: 2, pollingIntervalMs: 60_000, signal: controller.signal, log }, async ({ n }) => {
      await sleep(100);
      if (controller.signal.aborted) finishedAfterStop = true;
      if (n === 1) throw new Error("handler failed");
    });
    await sleep(20);
    controller.abort();
    await consumer.drained();
    expect(finishedAfterStop).toBe(true);
    expect(calls.completed).toEqual(["m0"]);
    expect(calls.failed).toEqual(["m1"]);
    // Stopped: nothing more is fetched.
    const fetches = calls.fetches;
    await sleep(50);
    expect(calls.fetches).toBe(fetches);
  });
});
