// Health checks are spread over the interval: each tenant keeps one stable slot, and a scheduling window that
// crosses a cycle boundary covers both cycles' phases.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { phaseRanges, scanMessageId, slotTime, tenantPhase } from "./scheduler";

const INTERVAL = 15 * 60_000;

describe("health check slots", () => {
  it("give each tenant the same slot in every cycle, from its id", () => {
    const id = "0a1b2c3d-0000-4000-8000-000000000000";
    expect(tenantPhase(id)).toBeCloseTo(0x0a1b2c3d / 2 ** 32, 12);
    expect(slotTime(id, 0, INTERVAL)).toBe(Math.floor((0x0a1b2c3d / 2 ** 32) * INTERVAL));
    expect(slotTime(id, INTERVAL, INTERVAL) - slotTime(id, 0, INTERVAL)).toBe(INTERVAL);
    expect(scanMessageId(id, 1)).toBe(scanMessageId(id, 1));
    expect(scanMessageId(id, 1)).not.toBe(scanMessageId(id, 1 + INTERVAL));
  });

  it("spread 10,000 tenants evenly: no minute of the cycle holds more than 1.3x the average", () => {
    const perMinute = new Array<number>(15).fill(0);
    for (let i = 0; i < 10_000; i++) perMinute[Math.floor(tenantPhase(randomUUID()) * 15)]! += 1;
    expect(Math.max(...perMinute)).toBeLessThan((10_000 / 15) * 1.3);
    expect(Math.min(...perMinute)).toBeGreaterThan((10_000 / 15) * 0.7);
  });

  it("split a window that crosses a cycle boundary into the end of one cycle and the start of the next", () => {
    const start = 3 * INTERVAL - 30_000;
    expect(phaseRanges(start, start + 60_000, INTERVAL)).toEqual([
      { from: (INTERVAL - 30_000) / INTERVAL, to: 1, cycleStart: 2 * INTERVAL },
      { from: 0, to: 30_000 / INTERVAL, cycleStart: 3 * INTERVAL },
    ]);
    expect(() => phaseRanges(0, INTERVAL + 1, INTERVAL)).toThrow(/longer than the health interval/);
  });
});
