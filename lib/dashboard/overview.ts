// The dashboard's overview: tenants by onboarding step and by status, the onboarding funnel, and health
// changes over time. A handful of aggregate queries over the database, run side by side.
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { ONBOARDING_STEPS, TENANT_STATUSES, type OnboardingStepName, type TenantStatus } from "./filters";
import { CHART_STATES, type ChartState, type HealthBucket } from "./health-chart";
import { FROM_SQL, STATUS_SQL } from "./tenant-list";


export type FunnelStep = {
  step: OnboardingStepName;
  /** Onboardings that ever entered this step. */
  reached: number;
  /** Onboardings that are at this step now and entered it more than a day ago. */
  stalled: number;
  /** Median minutes from entering this step to entering the next one (null: nobody moved on yet). */
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

/** Health events (transitions into each state) counted per bucket; buckets with none are kept at zero. */
async function healthChanges(db: Db, now: Date, hours: number, bucket: "hour" | "day"): Promise<HealthBucket[]> {
  const stepMs = bucket === "hour" ? 3_600_000 : 86_400_000;
  const count = bucket === "hour" ? hours : hours / 24;
  const buckets = emptyBuckets(now, count, stepMs);
  const since = new Date(Date.parse(buckets[0]!.at));
  const rows = await db.$queryRaw<{ at: Date; state: string; n: bigint }[]>(overviewSql(now).healthChanges(bucket, since));
  const byTime = new Map(buckets.map((b) => [Date.parse(b.at), b]));
  for (const row of rows) {
    const target = byTime.get(row.at.getTime());
    if (target && (CHART_STATES as readonly string[]).includes(row.state)) target[row.state as ChartState] += Number(row.n);
  }
  return buckets;
}

/** The overview's aggregate statements (exported for EXPLAIN in the benchmark). */
export function overviewSql(now: Date) {
  return {
    steps: Prisma.sql`
      SELECT o.step::text AS step, count(*) AS n,
        count(*) FILTER (WHERE o.step <> 'SUBMITTED' AND o."updatedAt" < ${now}::timestamp - ${STALLED_AFTER}) AS stalled
      FROM "Onboarding" o GROUP BY o.step`,
    statuses: Prisma.sql`SELECT (${STATUS_SQL}) AS status, count(*) AS n ${FROM_SQL} GROUP BY 1`,
    // Time in a step = from entering it to entering the next one, per onboarding.
    funnel: Prisma.sql`
      SELECT step::text AS step, count(DISTINCT "onboardingId") AS reached,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM next_at - "enteredAt") / 60) AS median
      FROM (
        SELECT "onboardingId", step, "enteredAt", lead("enteredAt") OVER (PARTITION BY "onboardingId" ORDER BY "enteredAt") AS next_at
        FROM "OnboardingStepEvent"
      ) e GROUP BY step`,
    healthChanges: (bucket: "hour" | "day", since: Date) => Prisma.sql`
      SELECT date_trunc(${bucket}, "occurredAt") AS at, "toState"::text AS state, count(*) AS n
      FROM "HealthEvent" WHERE "occurredAt" >= ${since} AND "occurredAt" <= ${now}
      GROUP BY 1, 2`,
  };
}

export async function getOverview(db: Db, now = new Date()): Promise<Overview> {
  const sql = overviewSql(now);
  const [steps, statuses, funnelRows, healthChanges24h, healthChanges7d] = await Promise.all([
    db.$queryRaw<{ step: OnboardingStepName; n: bigint; stalled: bigint }[]>(sql.steps),
    db.$queryRaw<{ status: TenantStatus; n: bigint }[]>(sql.statuses),
    db.$queryRaw<{ step: OnboardingStepName; reached: bigint; median: number | null }[]>(sql.funnel),
    healthChanges(db, now, 24, "hour"),
    healthChanges(db, now, 7 * 24, "day"),
  ]);
  const byStep = Object.fromEntries(ONBOARDING_STEPS.map((s) => [s, 0])) as Record<OnboardingStepName, number>;
  const stalled = { ...byStep };
  for (const row of steps) {
    byStep[row.step] = Number(row.n);
    stalled[row.step] = Number(row.stalled);
  }
  const byStatus = Object.fromEntries(TENANT_STATUSES.map((s) => [s, 0])) as Record<TenantStatus, number>;
  for (const row of statuses) byStatus[row.status] = Number(row.n);
  const funnelByStep = new Map(funnelRows.map((r) => [r.step, r]));
  const funnel = ONBOARDING_STEPS.map((step) => {
    const row = funnelByStep.get(step);
    return { step, reached: Number(row?.reached ?? 0), stalled: stalled[step], medianMinutes: row?.median === null || row?.median === undefined ? null : Math.round(Number(row.median) * 10) / 10 };
  });
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return { total, byStep, byStatus, funnel, healthChanges24h, healthChanges7d, generatedAt: now.toISOString() };
}

/** Regions in use (a DES or an onboarding there), for the region filter. */
export async function listRegions(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ region: string }[]>`
    SELECT region FROM "DiskEncryptionSet" UNION SELECT region FROM "Onboarding" WHERE region IS NOT NULL ORDER BY 1`;
  return rows.map((r) => r.region);
}
