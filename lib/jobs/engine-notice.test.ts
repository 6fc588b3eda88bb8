import { describe, expect, it } from "vitest";
import { jobEngineNotice } from "./engine-notice";

const down = { running: false as const, lastSeenAt: new Date("2026-11-27T10:00:00Z"), reason: "no worker heartbeat for 30 s" };
const up = { running: true as const, lastSeenAt: new Date(), workers: 1 };

describe("jobEngineNotice", () => {
  it("tells support that the job engine is not running, since when, and what to do", () => {
    const notice = jobEngineNotice(down, "support", true);
    expect(notice?.title).toBe("The job engine is not running");
    expect(notice?.body).toBe(
      "No job worker has reported since 2026-11-27 10:00 UTC (no worker heartbeat for 30 s). The rotation, revocation or restore shown below is queued and will not progress until a worker runs again; nothing is lost.",
    );
    expect(notice?.fix).toContain("npm run worker");
  });

  it("warns support before they queue work, and when no worker ever reported", () => {
    const notice = jobEngineNotice({ running: false, lastSeenAt: null, reason: "no worker heartbeat yet: no job worker is running" }, "support", false);
    expect(notice?.body).toMatch(/^No job worker has reported yet .*Rotations, revocations and restores you queue now wait/);
  });

  it("tells a customer only while their work waits, without operator instructions", () => {
    expect(jobEngineNotice(down, "customer", false)).toBeNull();
    const notice = jobEngineNotice(down, "customer", true);
    expect(notice?.title).toBe("Your request is waiting: the provider's job engine is not running");
    expect(`${notice?.body} ${notice?.fix}`).not.toMatch(/npm|worker|heartbeat/);
  });

  it("says nothing while the engine runs", () => {
    expect(jobEngineNotice(up, "support", true)).toBeNull();
    expect(jobEngineNotice(up, "customer", true)).toBeNull();
  });
});
