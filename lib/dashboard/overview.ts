// The dashboard's overview: tenants by onboarding step and by status, the onboarding funnel, and health
// changes over time. Small reads of trigger-kept totals, in one statement.
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { ONBOARDING_STEPS, TENANT_STATUSES, type OnboardingStepName, type TenantStatus } from "./filters";
import { CHART_STATES, type ChartState, type HealthBucket } from "./health-chart";


export type FunnelStep = {
  step: OnboardingStepName;
  /** Onboardings that ever entered this step. */
  reached: number;
  /** Onboardings that are at this step now and entered it more than a day ago. */
  stalled: number;
  /** Median minutes from entering this step to entering the next one, from bucketed durations (within about 3 %; null: nobody moved on yet). */
  medianMinutes: number | null;
};

export type Overview = {
  total: number;
  byStep: Record<OnboardingStepName, number>;
  byStatus: Record<TenantStatus, number>;
  funnel: FunnelStep[];
  healthChanges24h: HealthBucket[];
  healthChanges7d: HealthBucket[];
  generatedAt: string;
};

const STALLED_AFTER = Prisma.sql`interval '1 day'`;

function emptyBuckets(now: Date, count: number, stepMs: number): HealthBucket[] {
  const end = Math.floor(now.getTime() / stepMs) * stepMs;
  return Array.from({ length: count }, (_, i) => ({ at: new Date(end - (count - 1 - i) * stepMs).toISOString(), HEALTHY: 0, DEGRADED: 0, KEY_UNREACHABLE: 0, REVOKED: 0 }));
}

/** The window of a chart: its empty buckets and where the first one starts. */
function chartWindow(now: Date, hours: number, bucket: "hour" | "day"): { buckets: HealthBucket[]; since: Date } {
  const stepMs = bucket === "hour" ? 3_600_000 : 86_400_000;
  const buckets = emptyBuckets(now, bucket === "hour" ? hours : hours / 24, stepMs);
  return { buckets, since: new Date(Date.parse(buckets[0]!.at)) };
}

/** Health events (transitions into each state) counted per bucket; buckets with none are kept at zero. */
function fillBuckets(buckets: HealthBucket[], rows: { at: number; state: string; n: number }[]): HealthBucket[] {
  const byTime = new Map(buckets.map((b) => [Date.parse(b.at), b]));
  for (const row of rows) {
    const target = byTime.get(row.at);
    if (target && (CHART_STATES as readonly string[]).includes(row.state)) target[row.state as ChartState] += Number(row.n);
  }
  return buckets;
}

/** Steps an onboarding can stall at (all but the last). */
const IN_PROGRESS_STEPS = ONBOARDING_STEPS.filter((step) => step !== "SUBMITTED");

/**
 * The overview's statements (exported for EXPLAIN in the benchmarks). Counts per step and status, the funnel and
 * health changes per hour come from what triggers keep (migrations 20261127174500_dashboard_aggregates and
 * 20261128121000_health_change_hours): a few rows, whatever the number of tenants or the length of the history.
 * What depends on the time is read only for the last day or hour: "stalled" (at a step, not updated for a day) is
 * the step's kept count less the onboardings at it updated within the day, through the (step, updatedAt) index;
 * health changes of the current, unfinished hour are counted from the events.
 */
export function overviewSql(now: Date) {
  const hourStart = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  return {
    steps: Prisma.sql`SELECT step::text AS step, current, reached FROM "OnboardingStepTotal"`,
    stalled: Prisma.sql`
      SELECT s.step::text AS step, s.current - (SELECT count(*) FROM "Onboarding" o WHERE o.step = s.step AND o."updatedAt" >= ${now}::timestamp - ${STALLED_AFTER}) AS n
      FROM "OnboardingStepTotal" s WHERE s.step IN (${Prisma.join(IN_PROGRESS_STEPS.map((step) => Prisma.sql`${step}::"OnboardingStep"`))})`,
    statuses: Prisma.sql`SELECT status, tenants AS n FROM "TenantStatusTotal"`,
    durations: Prisma.sql`SELECT step::text AS step, bucket, count FROM "OnboardingStepDurationBucket" WHERE count > 0 ORDER BY step, bucket`,
    healthChanges: (bucket: "hour" | "day", since: Date) => Prisma.sql`
      SELECT date_trunc(${bucket}, at) AS at, state, sum(n) AS n FROM (
        SELECT hour AS at, "toState"::text AS state, count AS n FROM "HealthChangeHour" WHERE hour >= ${since} AND hour < ${hourStart}
        UNION ALL
        SELECT "occurredAt", "toState"::text, 1 FROM "HealthEvent" WHERE "occurredAt" >= ${hourStart} AND "occurredAt" >= ${since} AND "occurredAt" <= ${now}
      ) changes GROUP BY 1, 2`,
  };
}

/** Durations per bucket (seconds): bucket b holds [e^(b/32) − 1, e^((b+1)/32) − 1), as onboarding_duration_bucket() in SQL. */
export const DURATION_BUCKETS_PER_E = 32;

export function durationBucketBounds(bucket: number): [number, number] {
  return [Math.expm1(bucket / DURATION_BUCKETS_PER_E), Math.expm1((bucket + 1) / DURATION_BUCKETS_PER_E)];
}

/**
 * The median (as percentile_cont(0.5) would give it) of durations known only by bucket: the bucket that holds
 * the middle position, and within it the position's share of the bucket's width. Off by at most one bucket's
 * width (about 3 %). Minutes, or null without durations.
 */
export function bucketedMedianMinutes(buckets: { bucket: number; count: number }[]): number | null {
  const sorted = [...buckets].filter((b) => b.count > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  const position = (total - 1) / 2;
  let before = 0;
  for (const { bucket, count } of sorted) {
    if (position < before + count) {
      const [low, high] = durationBucketBounds(bucket);
      return (low + ((position - before + 0.5) / count) * (high - low)) / 60;
    }
    before += count;
  }
  return null;
}

export type OverviewRows = {
  steps: { step: OnboardingStepName; current: number; reached: number }[];
  stalled: { step: OnboardingStepName; n: number }[];
  statuses: { status: TenantStatus; n: number }[];
  durations: { step: OnboardingStepName; bucket: number; count: number }[];
  /** Bucket starts as epoch milliseconds (JSON has no timestamp type). */
  hours: { at: number; state: string; n: number }[];
  days: { at: number; state: string; n: number }[];
};

/** Every part of the overview as columns of one statement (each part a JSON array of its rows). */
export function overviewColumns(now: Date): Prisma.Sql {
  const sql = overviewSql(now);
  const since24h = chartWindow(now, 24, "hour").since;
  const since7d = chartWindow(now, 7 * 24, "day").since;
  const rows = (part: Prisma.Sql) => Prisma.sql`(SELECT coalesce(json_agg(x), '[]') FROM (${part}) x)`;
  const buckets = (part: Prisma.Sql) => Prisma.sql`(SELECT coalesce(json_agg(json_build_object('at', (extract(epoch FROM x.at) * 1000)::bigint, 'state', x.state, 'n', x.n)), '[]') FROM (${part}) x)`;
  return Prisma.sql`${rows(sql.steps)} AS steps, ${rows(sql.stalled)} AS stalled, ${rows(sql.statuses)} AS statuses,
    ${rows(sql.durations)} AS durations, ${buckets(sql.healthChanges("hour", since24h))} AS hours, ${buckets(sql.healthChanges("day", since7d))} AS days`;
}

export async function getOverview(db: Db, now = new Date()): Promise<Overview> {
  const [rows] = await db.$queryRaw<OverviewRows[]>`SELECT ${overviewColumns(now)}`;
  return toOverview(rows!, now);
}

/** The overview from its columns (read alone, or with the dashboard's other parts in lib/dashboard/snapshot.ts). */
export function toOverview(rows: OverviewRows, now: Date): Overview {
  const { steps, stalled: stalledRows, statuses, durations: durationRows } = rows;
  const healthChanges24h = fillBuckets(chartWindow(now, 24, "hour").buckets, rows.hours);
  const healthChanges7d = fillBuckets(chartWindow(now, 7 * 24, "day").buckets, rows.days);
  const byStep = Object.fromEntries(ONBOARDING_STEPS.map((s) => [s, 0])) as Record<OnboardingStepName, number>;
  const reached = { ...byStep };
  const stalled = { ...byStep };
  for (const row of steps) {
    byStep[row.step] = Number(row.current);
    reached[row.step] = Number(row.reached);
  }
  for (const row of stalledRows) stalled[row.step] = Number(row.n);
  const byStatus = Object.fromEntries(TENANT_STATUSES.map((s) => [s, 0])) as Record<TenantStatus, number>;
  for (const row of statuses) if (row.status in byStatus) byStatus[row.status] = Number(row.n);
  const funnel = ONBOARDING_STEPS.map((step) => {
    const median = bucketedMedianMinutes(durationRows.filter((r) => r.step === step).map((r) => ({ bucket: r.bucket, count: Number(r.count) })));
    return { step, reached: reached[step], stalled: stalled[step], medianMinutes: median === null ? null : Math.round(median * 10) / 10 };
  });
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return { total, byStep, byStatus, funnel, healthChanges24h, healthChanges7d, generatedAt: now.toISOString() };
}

/**
 * The region filter's choices: the regions the filter can match (a DES there, or without a DES the onboarding's or
 * key's region), from the per-region totals the triggers keep (migration 20261128120000_tenant_list_entries).
 */
export async function listRegions(db: Db): Promise<string[]> {
  const [row] = await db.$queryRaw<{ regions: string[] }[]>`SELECT ${REGIONS_COLUMN} AS regions`;
  return row?.regions ?? [];
}

/** The same choices as one JSON array, for a statement that reads them with other parts (lib/dashboard/snapshot.ts). */
export const REGIONS_COLUMN = Prisma.sql`(SELECT coalesce(json_agg(region ORDER BY region), '[]') FROM "TenantRegionTotal" WHERE tenants > 0)`;
