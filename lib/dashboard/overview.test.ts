import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditHash, GENESIS_HASH } from "../audit/log";
import { isHealthCause } from "../health/causes";
import type { Db } from "../db/client";
import { DEFAULT_QUERY, ONBOARDING_STEPS, TENANT_STATUSES } from "./filters";
import { CHART_STATES, chartTotal } from "./health-chart";
import { seedDemoData } from "./demo-seed";
import { bucketedMedianMinutes, DURATION_BUCKETS_PER_E, getOverview, listRegions } from "./overview";
import { listTenants } from "./tenant-list";
import { isolatedDatabase } from "./testing";

const NOW = new Date("2026-11-23T12:34:00Z");
let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let db: Db;
let seeded: Awaited<ReturnType<typeof seedDemoData>>;

beforeAll(async () => {
  database = await isolatedDatabase("cmk_dash_overview");
  db = database.db;
  seeded = await seedDemoData(database.url, { tenants: 600, seed: 42, now: NOW });
});

afterAll(async () => {
  await database?.drop();
});

describe("demo seed", () => {
  it("creates the tenants with a realistic spread of states", async () => {
    expect(seeded.rows.CustomerTenant).toBe(600);
    expect(await db.customerTenant.count()).toBe(600);
    const overview = await getOverview(db, NOW);
    // Most are healthy; every other state is present.
    expect(overview.byStatus.HEALTHY).toBeGreaterThan(300);
    for (const status of TENANT_STATUSES) expect(overview.byStatus[status], status).toBeGreaterThan(0);
    expect(await db.jobAttempt.count({ where: { errorCode: "TooManyRequests" } })).toBeGreaterThan(0);
    // Causes come from the shared catalogue, so the dashboard can explain each one.
    const tenantCauses = await db.customerTenant.findMany({ where: { healthCause: { not: null } }, select: { healthCause: true } });
    const eventCauses = await db.healthEvent.findMany({ where: { cause: { not: null } }, select: { cause: true } });
    expect(tenantCauses.length).toBeGreaterThan(0);
    for (const cause of [...tenantCauses.map((c) => c.healthCause!), ...eventCauses.map((e) => e.cause!)]) expect(isHealthCause(cause), cause).toBe(true);
  });

  it("continues the audit hash chain correctly", async () => {
    const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(events.length).toBe(seeded.rows.AuditEvent);
    let prevHash = GENESIS_HASH;
    for (const event of events) {
      expect(event.prevHash).toBe(prevHash);
      const { seq: _seq, hash, ...fields } = event;
      expect(auditHash({ ...fields, details: fields.details as Record<string, unknown> | null })).toBe(hash);
      prevHash = hash;
    }
  });

  it("is deterministic for a seed", async () => {
    const other = await isolatedDatabase("cmk_dash_seed2");
    try {
      await seedDemoData(other.url, { tenants: 50, seed: 42, now: NOW });
      const theirs = await other.db.customerTenant.findMany({ select: { id: true, tenantId: true, displayName: true, healthState: true }, orderBy: { id: "asc" } });
      const mine = await db.customerTenant.findMany({ select: { id: true, tenantId: true, displayName: true, healthState: true }, where: { id: { in: theirs.map((t) => t.id) } }, orderBy: { id: "asc" } });
      // The same seed makes the same first 50 tenants.
      expect(mine).toEqual(theirs);
      expect(theirs).toHaveLength(50);
    } finally {
      await other.drop();
    }
  });
});

describe("getOverview", () => {
  it("counts agree with the tenant list's filters", async () => {
    const overview = await getOverview(db, NOW);
    expect(overview.total).toBe(600);
    for (const status of TENANT_STATUSES) {
      expect((await listTenants(db, { ...DEFAULT_QUERY, health: [status] })).total, status).toBe(overview.byStatus[status]);
    }
    for (const step of ONBOARDING_STEPS) {
      expect((await listTenants(db, { ...DEFAULT_QUERY, step: [step] })).total, step).toBe(overview.byStep[step]);
    }
  });

  it("builds a funnel that only narrows, with median time per step", async () => {
    const { funnel, byStep } = await getOverview(db, NOW);
    expect(funnel.map((f) => f.step)).toEqual([...ONBOARDING_STEPS]);
    expect(funnel[0]!.reached).toBe(600);
    for (let i = 1; i < funnel.length; i++) expect(funnel[i]!.reached).toBeLessThanOrEqual(funnel[i - 1]!.reached);
    // Reached a step but not the next = currently there.
    for (let i = 0; i < funnel.length - 1; i++) expect(funnel[i]!.reached - funnel[i + 1]!.reached).toBe(byStep[funnel[i]!.step]);
    const access = funnel.find((f) => f.step === "ACCESS")!;
    const consent = funnel.find((f) => f.step === "CONSENT")!;
    expect(access.medianMinutes!).toBeGreaterThan(consent.medianMinutes!);
    expect(funnel.at(-1)!.medianMinutes).toBeNull();
  });

  it("counts as stalled the onboardings at each step not updated for a day", async () => {
    const { funnel, byStep } = await getOverview(db, NOW);
    const dayAgo = new Date(NOW.getTime() - 86_400_000);
    let recent = 0;
    for (const { step, stalled } of funnel) {
      if (step === "SUBMITTED") continue;
      expect(stalled, step).toBe(await db.onboarding.count({ where: { step, updatedAt: { lt: dayAgo } } }));
      recent += byStep[step] - stalled;
    }
    expect(funnel.reduce((sum, f) => sum + f.stalled, 0)).toBeGreaterThan(0);
    // Not vacuous: some onboardings in progress were updated within the day, and are not stalled.
    expect(recent).toBeGreaterThan(0);
  });

  it("reads the median time in each step from buckets, within a bucket's width of the exact median", async () => {
    const { funnel } = await getOverview(db, NOW);
    const exact = await db.$queryRaw<{ step: string; median: number }[]>`
      SELECT step::text AS step, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM next_at - "enteredAt")) AS median
      FROM (SELECT step, "enteredAt", lead("enteredAt") OVER (PARTITION BY "onboardingId" ORDER BY "enteredAt", id) AS next_at FROM "OnboardingStepEvent") e
      WHERE next_at IS NOT NULL GROUP BY step`;
    expect(exact).toHaveLength(6);
    for (const { step, median } of exact) {
      const approx = funnel.find((f) => f.step === step)!.medianMinutes!;
      // One bucket is e^(1/32) − 1 ≈ 3.2 % wide; the display rounds to 0.1 min.
      expect(Math.abs(approx - median / 60), step).toBeLessThanOrEqual((Math.expm1(1 / DURATION_BUCKETS_PER_E) * median) / 60 + 0.05);
    }
  });

  it("buckets health changes per hour (24 h) and per day (7 d), matching the events", async () => {
    const { healthChanges24h, healthChanges7d } = await getOverview(db, NOW);
    expect(healthChanges24h).toHaveLength(24);
    expect(healthChanges7d).toHaveLength(7);
    expect(healthChanges24h.at(-1)!.at).toBe("2026-11-23T12:00:00.000Z");
    expect(healthChanges7d[0]!.at).toBe("2026-11-17T00:00:00.000Z");
    const since24 = new Date("2026-11-22T13:00:00Z");
    expect(chartTotal(healthChanges24h)).toBe(await db.healthEvent.count({ where: { occurredAt: { gte: since24, lte: NOW }, toState: { in: [...CHART_STATES] } } }));
    expect(chartTotal(healthChanges7d)).toBe(await db.healthEvent.count({ where: { occurredAt: { gte: new Date("2026-11-17T00:00:00Z"), lte: NOW }, toState: { in: [...CHART_STATES] } } }));
    expect(chartTotal(healthChanges7d)).toBeGreaterThan(0);
  });

  it("lists the regions in use", async () => {
    const regions = await listRegions(db);
    expect(regions).toContain("westeurope");
    expect(regions).toEqual([...regions].sort());
  });
});

describe("bucketedMedianMinutes", () => {
  it("finds the bucket of the middle position and interpolates inside it", () => {
    expect(bucketedMedianMinutes([])).toBeNull();
    expect(bucketedMedianMinutes([{ bucket: 100, count: 0 }])).toBeNull();
    // One bucket: the middle of it.
    const [low, high] = [Math.expm1(100 / 32), Math.expm1(101 / 32)];
    expect(bucketedMedianMinutes([{ bucket: 100, count: 1 }])).toBeCloseTo((low + high) / 2 / 60, 9);
    // The median position (2 of 0..4) is in the higher bucket whatever the input order.
    const median = bucketedMedianMinutes([{ bucket: 200, count: 3 }, { bucket: 50, count: 2 }])!;
    expect(median * 60).toBeGreaterThanOrEqual(Math.expm1(200 / 32));
    expect(median * 60).toBeLessThan(Math.expm1(201 / 32));
  });
});
