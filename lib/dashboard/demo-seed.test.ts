// Demo data is history, not work: with the real worker running against the simulator (job sweeper, health
// scheduler and their consumers, in-process), the seeded dashboard must not move.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../jobs/worker";
import { queueHealthChecksInWindow } from "../health/scheduler";
import { startHarness, startTestWorker, type ProvisioningHarness } from "../provisioning/testing";
import { seedDemoData } from "./demo-seed";
import { getOverview } from "./overview";

let h: ProvisioningHarness;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  h = await startHarness("cmk_demo_seed");
  await seedDemoData(h.databaseUrl, { tenants: 300, seed: 11 });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

const jobsByStatus = async () => (await h.db.job.groupBy({ by: ["kind", "status"], _count: true, orderBy: [{ kind: "asc" }, { status: "asc" }] })).map((g) => `${g.kind} ${g.status} ${g._count}`);
const tenantStates = async () => (await h.db.customerTenant.findMany({ select: { id: true, healthState: true, healthCause: true }, orderBy: { id: "asc" } })).map((t) => `${t.id} ${t.healthState} ${t.healthCause}`);

describe("demo seed", () => {
  it("seeds only finished jobs, in the past, and tenants the health sweep leaves alone", async () => {
    const now = new Date();
    expect(await h.db.job.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } })).toBe(0);
    expect(await h.db.job.count({ where: { OR: [{ finishedAt: null }, { finishedAt: { gt: now } }] } })).toBe(0);
    expect(await h.db.jobAttempt.count({ where: { finishedAt: null } })).toBe(0);
    expect(await h.db.customerTenant.count({ where: { monitored: true } })).toBe(0);
    // Still a full picture for the dashboard: provisioning, failed and every health state are present.
    const overview = await getOverview(h.db, now);
    for (const status of ["HEALTHY", "DEGRADED", "KEY_UNREACHABLE", "REVOKED", "PROVISIONING", "FAILED"] as const) expect(overview.byStatus[status], status).toBeGreaterThan(0);
  });

  it("a running worker (sweeper, health scheduler, consumers) changes nothing the dashboard shows", async () => {
    const at = new Date();
    const before = { overview: await getOverview(h.db, at), jobs: await jobsByStatus(), tenants: await tenantStates() };
    worker = await startTestWorker(h, { scheduleHealth: true, healthIntervalMinutes: 1, sweepIntervalMs: 300 });
    // A few cycles of each loop, plus explicit ones: nothing is due, nothing is orphaned.
    expect(await worker.sweepNow()).toBe(0);
    expect(await queueHealthChecksInWindow(h.db, worker.boss, { intervalMinutes: 1, from: Date.now() - 60_000, to: Date.now() })).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await worker.sweepNow()).toBe(0);

    expect(await getOverview(h.db, at)).toEqual(before.overview);
    expect(await jobsByStatus()).toEqual(before.jobs);
    expect(await tenantStates()).toEqual(before.tenants);
    // Nothing reached Azure for tenants that exist only in the database.
    expect(h.sim.state.operations.size).toBe(0);
    expect(h.sim.state.diskEncryptionSets.values()).toHaveLength(0);
  }, 60_000);
});
