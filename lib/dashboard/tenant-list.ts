// The operator's tenant list: one parameterised SQL statement for every search/filter/sort/page
// combination. The database is the source of truth; nothing here calls Azure.
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import type { DesProvisioningState, HealthState, OnboardingStep } from "../db/generated/prisma/enums";
import { KEY_EXPIRING_DAYS, type SortColumn, type TenantListQuery, type TenantStatus } from "./filters";

export type TenantListRow = {
  id: string;
  tenantId: string;
  displayName: string;
  step: OnboardingStep | null;
  desState: DesProvisioningState | null;
  desCount: number;
  status: TenantStatus;
  healthState: HealthState;
  healthCause: string | null;
  desErrorCode: string | null;
  vaultUri: string | null;
  keyName: string | null;
  keyVersion: string | null;
  keyUrl: string | null;
  region: string | null;
  lastHealthCheckAt: Date | null;
  lastHealthChangeAt: Date | null;
};

export type TenantListPage = { rows: TenantListRow[]; total: number; page: number; pageSize: number; pageCount: number };

/**
 * The operator-facing status, in SQL: a failed or still-running DES provisioning first, then the
 * tenant's key health. "t", "o" and "d" are the tenant, its onboarding and its primary DES.
 */
export const STATUS_SQL = Prisma.sql`CASE
  WHEN d."provisioningState" = 'FAILED' THEN 'FAILED'
  WHEN d."provisioningState" IN ('QUEUED', 'CREATING') OR (o.step = 'SUBMITTED' AND d.id IS NULL) THEN 'PROVISIONING'
  ELSE t."healthState"::text END`;

/**
 * Severity order for sorting by health (worst first when descending), from the status the triggers keep per tenant
 * (TenantStatus, always equal to STATUS_SQL: lib/dashboard/aggregates.test.ts), so the sort needs no DES join.
 */
const STATUS_RANK_SQL = Prisma.sql`CASE (SELECT ts.status FROM "TenantStatus" ts WHERE ts."customerTenantId" = t.id)
  WHEN 'UNKNOWN' THEN 0 WHEN 'HEALTHY' THEN 1 WHEN 'PROVISIONING' THEN 2 WHEN 'DEGRADED' THEN 3
  WHEN 'KEY_UNREACHABLE' THEN 4 WHEN 'FAILED' THEN 5 WHEN 'REVOKED' THEN 6 END`;

/** A column of the key in use: the DES's key, or the newest key before there is a DES. */
function keyColumn(name: "vaultUri" | "keyName" | "keyVersion" | "keyUrl" | "region"): Prisma.Sql {
  return Prisma.raw(`coalesce(kd."${name}", kn."${name}")`);
}

const REGION_SQL = Prisma.sql`coalesce(d.region, o.region, ${keyColumn("region")})`;

// Constant SQL only (never user input): the sort column is picked from this map by a validated name.
// NULLS LAST only where a value can be missing: on NOT NULL columns a plain DESC can walk the index backwards.
const SORT_SQL: Record<SortColumn, { sql: Prisma.Sql; nullable: boolean }> = {
  name: { sql: Prisma.sql`t."displayName"`, nullable: false },
  tenantId: { sql: Prisma.sql`t."tenantId"`, nullable: false },
  step: { sql: Prisma.sql`o.step`, nullable: true },
  desState: { sql: Prisma.sql`d."provisioningState"`, nullable: true },
  health: { sql: STATUS_RANK_SQL, nullable: false },
  vault: { sql: keyColumn("vaultUri"), nullable: true },
  key: { sql: keyColumn("keyName"), nullable: true },
  region: { sql: REGION_SQL, nullable: true },
  lastCheck: { sql: Prisma.sql`t."lastHealthCheckAt"`, nullable: true },
  lastChange: { sql: Prisma.sql`t."lastHealthChangeAt"`, nullable: true },
};

/** `%term%` for ILIKE with the term's own wildcards escaped. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function whereClause(query: TenantListQuery): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (query.q) {
    // Lower-case once here, LIKE in SQL: markedly cheaper than ILIKE per row (tenant ids are lower-case hex).
    const pattern = likePattern(query.q.toLowerCase());
    // A key URL or vault matches any key the tenant has connected, not only the one in use. The key URL
    // starts with the vault URI, so one column covers both; the vault's resource id adds its subscription.
    conditions.push(Prisma.sql`(lower(t."displayName") LIKE ${pattern} OR t."tenantId"::text LIKE ${pattern}
      OR t.id IN (SELECT kr."customerTenantId" FROM "KeyReference" kr
        WHERE lower(kr."keyUrl") LIKE ${pattern} OR lower(kr."vaultResourceId") LIKE ${pattern}))`);
  }
  if (query.step.length) conditions.push(Prisma.sql`o.step::text IN (${Prisma.join(query.step)})`);
  // Through the kept status and its index: a rare status reads only its own tenants.
  if (query.health.length) conditions.push(Prisma.sql`t.id IN (SELECT ts."customerTenantId" FROM "TenantStatus" ts WHERE ts.status IN (${Prisma.join(query.health)}))`);
  if (query.keyExpiring) {
    conditions.push(Prisma.sql`t.id IN (SELECT de."customerTenantId" FROM "DiskEncryptionSet" de JOIN "KeyReference" ke ON ke.id = de."keyReferenceId"
      WHERE ke."expiresAt" <= now() + make_interval(days => ${KEY_EXPIRING_DAYS}::int))`);
  }
  if (query.region.length) {
    conditions.push(Prisma.sql`(t.id IN (SELECT dr."customerTenantId" FROM "DiskEncryptionSet" dr WHERE dr.region IN (${Prisma.join(query.region)}))
      OR (d.id IS NULL AND ${REGION_SQL} IN (${Prisma.join(query.region)})))`);
  }
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
}

/**
 * The tenant with what the list shows of it: its onboarding, its primary DES (the failed one if any —
 * what needs attention — else its oldest) and the key in use (that DES's key, or before there is a DES
 * the tenant's newest validated key). Joined by hash rather than per row, so any sort stays cheap; each
 * joined relation is unique per tenant, so a count that needs none of them skips them.
 */
export const FROM_SQL = Prisma.sql`FROM "CustomerTenant" t
    LEFT JOIN "Onboarding" o ON o."customerTenantId" = t.id
    LEFT JOIN (
      SELECT DISTINCT ON (des."customerTenantId") des."customerTenantId", des.id, des.region, des."provisioningState",
        des."keyReferenceId", des."lastErrorCode", count(*) OVER (PARTITION BY des."customerTenantId") AS count
      FROM "DiskEncryptionSet" des
      ORDER BY des."customerTenantId", (des."provisioningState" = 'FAILED') DESC, des."createdAt", des.id
    ) d ON d."customerTenantId" = t.id
    LEFT JOIN "KeyReference" kd ON kd.id = d."keyReferenceId"
    LEFT JOIN (
      SELECT DISTINCT ON (kr."customerTenantId") kr."customerTenantId", kr."vaultUri", kr."keyName", kr."keyVersion", kr."keyUrl", kr.region
      FROM "KeyReference" kr ORDER BY kr."customerTenantId", kr."createdAt" DESC, kr.id
    ) kn ON kn."customerTenantId" = t.id AND d.id IS NULL`;

type RawRow = Omit<TenantListRow, "desCount"> & { desCount: number | bigint; total?: bigint };

/**
 * The primary DES and the key in use again, for the rows of one page only: looked up per row through
 * the (customerTenantId, …) indexes. Same choice as in FROM_SQL.
 */
const PAGE_DETAILS_SQL = Prisma.sql`JOIN "CustomerTenant" t ON t.id = p.id
    LEFT JOIN "Onboarding" o ON o."customerTenantId" = t.id
    LEFT JOIN LATERAL (
      SELECT des.id, des.region, des."provisioningState", des."keyReferenceId", des."lastErrorCode", count(*) OVER () AS count
      FROM "DiskEncryptionSet" des WHERE des."customerTenantId" = t.id
      ORDER BY (des."provisioningState" = 'FAILED') DESC, des."createdAt", des.id LIMIT 1
    ) d ON true
    LEFT JOIN "KeyReference" kd ON kd.id = d."keyReferenceId"
    LEFT JOIN LATERAL (
      SELECT kr."vaultUri", kr."keyName", kr."keyVersion", kr."keyUrl", kr.region FROM "KeyReference" kr
      WHERE kr."customerTenantId" = t.id AND d.id IS NULL ORDER BY kr."createdAt" DESC, kr.id LIMIT 1
    ) kn ON true`;

/**
 * The statements behind a page (exported for EXPLAIN in the benchmark). The page is found first with only
 * the joins its filters and sort need — PostgreSQL drops the others (each is unique per tenant), so sorting
 * by a tenant column walks that column's index and stops after one page — and only then are the page's
 * rows completed. The count drops unneeded joins the same way. A search reads every tenant anyway, so it
 * counts in the same pass (window count) instead of searching twice.
 */
export function tenantListSql(query: TenantListQuery): { page: Prisma.Sql; count: Prisma.Sql; countsInPage: boolean } {
  const direction = query.dir === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const sort = SORT_SQL[query.sort];
  const nulls = sort.nullable ? Prisma.sql`NULLS LAST` : Prisma.empty;
  const offset = (query.page - 1) * query.pageSize;
  const where = whereClause(query);
  const countsInPage = query.q !== "";
  return {
    page: Prisma.sql`
      WITH p AS MATERIALIZED (
        SELECT t.id, ${sort.sql} AS sort_key${countsInPage ? Prisma.sql`, count(*) OVER () AS total` : Prisma.empty} ${FROM_SQL} ${where}
        ORDER BY 2 ${direction} ${nulls}, t.id ${direction}
        LIMIT ${query.pageSize} OFFSET ${offset}
      )
      SELECT t.id, t."tenantId"::text AS "tenantId", t."displayName", o.step, d."provisioningState" AS "desState",
        coalesce(d.count, 0) AS "desCount", (${STATUS_SQL}) AS status, t."healthState", t."healthCause",
        d."lastErrorCode" AS "desErrorCode", ${keyColumn("vaultUri")} AS "vaultUri", ${keyColumn("keyName")} AS "keyName",
        ${keyColumn("keyVersion")} AS "keyVersion", ${keyColumn("keyUrl")} AS "keyUrl",
        ${REGION_SQL} AS region, t."lastHealthCheckAt", t."lastHealthChangeAt"${countsInPage ? Prisma.sql`, p.total` : Prisma.empty}
      FROM p ${PAGE_DETAILS_SQL}
      ORDER BY p.sort_key ${direction} ${nulls}, p.id ${direction}`,
    count: Prisma.sql`SELECT count(*) AS total ${FROM_SQL} ${where}`,
    countsInPage,
  };
}

/**
 * The count of a view filtered by health or by step alone (or not at all), from the totals the triggers keep:
 * no count over every tenant per request. Null for other views, which are counted.
 */
export function keptCountSql(query: TenantListQuery): Prisma.Sql | null {
  if (query.q || query.region.length || query.keyExpiring || (query.health.length && query.step.length)) return null;
  if (query.step.length) return Prisma.sql`SELECT coalesce(sum(current), 0) AS total FROM "OnboardingStepTotal" WHERE step::text IN (${Prisma.join(query.step)})`;
  const only = query.health.length ? Prisma.sql`WHERE status IN (${Prisma.join(query.health)})` : Prisma.empty;
  return Prisma.sql`SELECT coalesce(sum(tenants), 0) AS total FROM "TenantStatusTotal" ${only}`;
}

/** One page of tenants and the number of tenants the filter matches. */
export async function listTenants(db: Db, query: TenantListQuery): Promise<TenantListPage> {
  const sql = tenantListSql(query);
  const countSql = keptCountSql(query) ?? sql.count;
  const count = async () => Number((await db.$queryRaw<{ total: bigint | number }[]>(countSql))[0]?.total ?? 0);
  let rows: RawRow[];
  let total: number;
  if (sql.countsInPage) {
    rows = await db.$queryRaw<RawRow[]>(sql.page);
    // A page past the end has no row to carry the count.
    total = rows[0] ? Number(rows[0].total) : query.page > 1 ? await count() : 0;
  } else {
    [rows, total] = await Promise.all([db.$queryRaw<RawRow[]>(sql.page), count()]);
  }
  return {
    rows: rows.map(({ total: _total, ...row }) => ({ ...row, desCount: Number(row.desCount) })),
    total,
    page: query.page,
    pageSize: query.pageSize,
    pageCount: Math.max(1, Math.ceil(total / query.pageSize)),
  };
}

/** Every row of a filter in the list's order, page by page (CSV export), through the same query. */
export async function* allTenantRows(db: Db, query: TenantListQuery, batchSize = 1000): AsyncGenerator<TenantListRow> {
  for (let page = 1; ; page++) {
    const result = await listTenants(db, { ...query, page, pageSize: batchSize });
    yield* result.rows;
    if (page >= result.pageCount) return;
  }
}
