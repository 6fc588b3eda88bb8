// Every log line written inside a request's scope carries its id; ids from outside are accepted only when sane.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";
import { currentRequestId, withRequestId } from "./request-context";
import { acceptRequestId, shortReference } from "./request-id";

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger(stream), lines };
}

describe("request id in the logs", () => {
  it("adds requestId to every line inside a request scope, across awaits and child loggers, and none outside", async () => {
    const { log, lines } = capturedLogger();
    log.info("before");
    await withRequestId("3f9a2c1b-7d4e-4a11-9c2e-0b5d6e7f8a90", async () => {
      log.info("start");
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.child({ jobId: "j1" }).warn("later");
    });
    log.info("after");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line.msg, line.requestId])).toEqual([
      ["before", undefined],
      ["start", "3f9a2c1b-7d4e-4a11-9c2e-0b5d6e7f8a90"],
      ["later", "3f9a2c1b-7d4e-4a11-9c2e-0b5d6e7f8a90"],
      ["after", undefined],
    ]);
  });

  it("keeps the outer request's id in a nested scope", () => {
    withRequestId("outer-0000-0000-0000-000000000000", () => {
      withRequestId("inner-1111-1111-1111-111111111111", () => expect(currentRequestId()).toBe("outer-0000-0000-0000-000000000000"));
    });
    expect(currentRequestId()).toBeUndefined();
  });
});

describe("acceptRequestId", () => {
  it("keeps a sane id from the platform", () => {
    expect(acceptRequestId("3f9a2c1b-7d4e-4a11-9c2e-0b5d6e7f8a90")).toBe("3f9a2c1b-7d4e-4a11-9c2e-0b5d6e7f8a90");
    expect(acceptRequestId("0123456789abcdefABCDEF")).toBe("0123456789abcdefABCDEF");
  });

  it("replaces a missing, short, long or odd id with a new UUID", () => {
    for (const bad of [null, undefined, "", "short", "a".repeat(65), "3f9a2c1b 7d4e\nlevel=error", "../../etc/passwd-xxxxxxxxx", "-leading-dash-0000000"]) {
      const id = acceptRequestId(bad);
      expect(id, String(bad)).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(acceptRequestId(null)).not.toBe(acceptRequestId(null));
  });

  it("gives a short reference that is the id's prefix", () => {
    expect(shortReference("3f9a2c1b-7d4e-4a11-9c2e-0b5d6e7f8a90")).toBe("3f9a2c1b");
  });
});
