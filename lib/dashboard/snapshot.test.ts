// The operator dashboard reads everything above its tenant list in one statement. Each part must read exactly what its
// own single read gives (the same SQL, through JSON): the overview, region choices, stored readiness report and audit
// chain check, open offboardings, the fleet panel and the worker status; and a database that does not answer gives
// every part its "unavailable" state, never an error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastAuditChainCheck } from "../audit/chain-status";
import { createPrismaClient, type Db } from "../db/client";
import { fleetPanelForDashboard } from "../fleet/panel";
import { PROVIDER_READINESS_TASK } from "../jobs/schedules";
import { openOffboardings } from "../offboarding/queries";
import { setAppEnvForTests } from "../testing/app-env";
import { seedDemoData } from "./demo-seed";
import { getOverview, listRegions } from "./overview";
import { auditChainForDashboard, providerReadinessForDashboard } from "./readiness";
import { dashboardSnapshot } from "./snapshot";
import { isolatedDatabase } from "./testing";
import { workerStatusForDashboard } from "./worker-status";

const NOW = new Date("2026-11-23T12:34:00Z");
let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let db: Db;

beforeAll(async () => {
  setAppEnvForTests({ ARM_WRITE_BUCKET_SIZE: "150" });
  database = await isolatedDatabase("cmk_dash_snapshot");
  db = database.db;
  await seedDemoData(database.url, { tenants: 120, seed: 7, now: NOW });
  const [first, second] = await db.customerTenant.findMany({ orderBy: { displayName: "asc" }, take: 2 });
  const offboarding = { diskPolicy: "platform-key", requestedByOid: "6f1c1d2e-0000-4000-8000-000000000001", impact: {} };
  await db.offboarding.createMany({
    data: [
      { ...offboarding, customerTenantId: first!.id, requestedByName: "Ada Admin", requestedAt: new Date("2026-11-23T10:00:00.123Z") },
      { ...offboarding, customerTenantId: second!.id, requestedByName: "Bo Admin", requestedAt: new Date("2026-11-22T09:00:00Z"), state: "COMPLETED" },
    ],
  });
  await db.auditChainCheck.create({ data: { name: "audit-chain", checkedAt: new Date("2026-11-23T12:00:00.456Z"), ok: false, checked: 42, firstBrokenSeq: 9_007_199_254_740_993n, reason: "hash mismatch", checkpoints: 3, lastCheckpointAt: new Date("2026-11-23T11:00:00Z") } });
  const report = { ok: false, checkedAt: "2026-11-23T12:30:00.000Z", items: [{ id: "uami", ok: false, title: "Managed identity", detail: "not found" }] };
  await db.scheduledTaskRun.createMany({
    data: [
      { task: PROVIDER_READINESS_TASK, periodStart: new Date("2026-11-23T12:25:00Z"), workerId: "w1", finishedAt: new Date("2026-11-23T12:25:01Z"), result: { ok: true, checkedAt: "2026-11-23T12:25:00.000Z", items: [] } },
      { task: PROVIDER_READINESS_TASK, periodStart: new Date("2026-11-23T12:30:00Z"), workerId: "w1", finishedAt: new Date("2026-11-23T12:30:02Z"), result: report },
      // Still running: never the one shown.
      { task: PROVIDER_READINESS_TASK, periodStart: new Date("2026-11-23T12:35:00Z"), workerId: "w1" },
    ],
  });
  await db.workerHeartbeat.createMany({
    data: [
      { instanceId: "w-live", hostname: "host-a", pid: 1, startedAt: new Date("2026-11-23T12:00:00Z"), lastSeenAt: new Date("2026-11-23T12:33:50Z") },
      { instanceId: "w-gone", hostname: "host-b", pid: 2, startedAt: new Date("2026-11-23T11:00:00Z"), lastSeenAt: new Date("2026-11-23T12:20:00Z") },
    ],
  });
});

afterAll(async () => {
  await database?.drop();
});

describe("the dashboard snapshot", () => {
  it("reads every part as its own single read does, in one statement", async () => {
    const queries: string[] = [];
    const counting = db.$extends({ query: { $allOperations: async ({ args, query, operation }) => (queries.push(operation), query(args)) } }) as unknown as Db;
    const snapshot = await dashboardSnapshot(counting, NOW);
    expect(queries).toEqual(["$queryRaw"]);

    expect(snapshot.overview).toEqual(await getOverview(db, NOW));
    expect(snapshot.regions).toEqual(await listRegions(db));
    expect(snapshot.regions.length).toBeGreaterThan(1);
    expect(snapshot.readiness).toEqual(await providerReadinessForDashboard(db));
    expect(snapshot.readiness).toMatchObject({ ok: false, checkedAt: new Date("2026-11-23T12:30:00.000Z") });
    expect(snapshot.auditChain).toEqual(await auditChainForDashboard(db));
    expect(snapshot.auditChain).toEqual(await lastAuditChainCheck(db));
    expect(snapshot.auditChain).toMatchObject({ checkedAt: new Date("2026-11-23T12:00:00.456Z"), firstBrokenSeq: 9_007_199_254_740_993n, lastCheckpointAt: new Date("2026-11-23T11:00:00Z") });
    expect(snapshot.offboardings).toEqual(await openOffboardings(db));
    expect(snapshot.offboardings).toHaveLength(1);
    expect(snapshot.offboardings[0]).toMatchObject({ state: "REQUESTED", requestedByName: "Ada Admin", requestedAt: new Date("2026-11-23T10:00:00.123Z") });
    const fleet = await fleetPanelForDashboard(db, NOW);
    // The ARM budget's tokens refill with the clock, between the two reads.
    expect({ ...snapshot.fleet, arm: null }).toEqual({ ...fleet, arm: null });
    expect(snapshot.worker).toEqual(await workerStatusForDashboard(db, NOW));
    expect(snapshot.worker).toEqual({ running: true, text: "Worker last seen 10 s ago" });
  });

  it("gives every part its unavailable state when the database does not answer", async () => {
    const unreachable = createPrismaClient("postgresql://postgres@127.0.0.1:1/nowhere");
    const snapshot = await dashboardSnapshot(unreachable, NOW);
    expect(snapshot).toMatchObject({ overview: null, regions: [], offboardings: [], fleet: { ok: false }, worker: { running: false, text: "Worker status unavailable: the database did not answer" } });
    expect(snapshot.readiness).toMatchObject({ ok: false, unavailable: true });
    expect(snapshot.auditChain).toMatchObject({ ok: false, unavailable: true });
  });
});
