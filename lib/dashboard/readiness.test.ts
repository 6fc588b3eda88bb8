import { describe, expect, it, vi } from "vitest";
import type { ReadinessReport } from "../provisioning/readiness";
import { createBackgroundCache } from "./readiness";

const RED: ReadinessReport = { ok: false, checkedAt: new Date(), items: [{ id: "fic-match", title: "Federated credential", ok: false, detail: "none", fix: "add one" }] };
const GREEN: ReadinessReport = { ok: true, checkedAt: new Date(), items: [] };

describe("dashboard readiness cache", () => {
  it("checks once, then serves the result until it is stale", async () => {
    let clock = 0;
    const check = vi.fn<() => Promise<ReadinessReport>>().mockResolvedValueOnce(RED).mockResolvedValueOnce(GREEN);
    const current = createBackgroundCache(check, { freshMs: 1000, now: () => clock });
    expect(await current()).toBe(RED);
    clock = 500;
    expect(await current()).toBe(RED);
    expect(check).toHaveBeenCalledTimes(1);
    clock = 1600;
    expect(await current()).toBe(GREEN);
    expect(check).toHaveBeenCalledTimes(2);
  });

  it("does not hold a page on a slow check, and runs one check at a time", async () => {
    let release: (report: ReadinessReport) => void = () => undefined;
    const check = vi.fn(() => new Promise<ReadinessReport>((resolve) => (release = resolve)));
    const current = createBackgroundCache(check, { waitMs: 20 });
    expect(await current()).toBeNull();
    expect(await current()).toBeNull();
    expect(check).toHaveBeenCalledTimes(1);
    release(RED);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await current()).toBe(RED);
  });

  it("reports a check that throws as unavailable instead of failing the page", async () => {
    const current = createBackgroundCache(() => Promise.reject(new Error("ARM down")));
    expect(await current()).toMatchObject({ ok: false, unavailable: true });
  });
});
