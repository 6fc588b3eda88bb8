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
 * Severity order for sorting by health (worst last), as tenant_status_rank() in SQL stores it in
 * "TenantListEntry"."statusRank" (lib/dashboard/aggregates.test.ts checks that both agree).
 */
export const STATUS_RANK: Record<TenantStatus, number> = { UNKNOWN: 0, HEALTHY: 1, PROVISIONING: 2, DEGRADED: 3, KEY_UNREACHABLE: 4, FAILED: 5, REVOKED: 6 };

/** A column of the key in use: the DES's key, or the newest key before there is a DES. */
function keyColumn(name: "vaultUri" | "keyName" | "keyVersion" | "keyUrl" | "region"): Prisma.Sql {
  return Prisma.raw(`coalesce(kd."${name}", kn."${name}")`);
}

const REGION_SQL = Prisma.sql`coalesce(d.region, o.region, ${keyColumn("region")})`;

// Constant SQL only (never user input): the sort column is picked from this map by a validated name. Every sort
// but one reads "TenantListEntry" e (kept by triggers; an index per sort and direction); the last check changes on
// every health check, so it stays on the tenant t (no trigger work per check), with its own two indexes.
// NULLS LAST only where a value can be missing: on NOT NULL columns a plain DESC can walk the index backwards.
const SORT_SQL: Record<SortColumn, { sql: Prisma.Sql; nullable: boolean }> = {
  name: { sql: Prisma.sql`e."displayName"`, nullable: false },
  tenantId: { sql: Prisma.sql`e."tenantId"`, nullable: false },
  step: { sql: Prisma.sql`e.step`, nullable: true },
  desState: { sql: Prisma.sql`e."desState"`, nullable: true },
  health: { sql: Prisma.sql`e."statusRank"`, nullable: false },
  vault: { sql: Prisma.sql`e."vaultUri"`, nullable: true },
  key: { sql: Prisma.sql`e."keyName"`, nullable: true },
  region: { sql: Prisma.sql`e.region`, nullable: true },
  lastCheck: { sql: Prisma.sql`t."lastHealthCheckAt"`, nullable: true },
  lastChange: { sql: Prisma.sql`e."lastHealthChangeAt"`, nullable: true },
};

/** `%term%` for ILIKE with the term's own wildcards escaped. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** What separates the parts of "TenantListEntry"."searchText". */
const SEARCH_SEPARATOR = "\n";

function whereClause(query: TenantListQuery): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (query.q) {
    // Lower-case once here, LIKE in SQL through the trigram index. The search text holds the lower-cased name, the
    // tenant id, and every key URL and vault resource id the tenant has connected (not only the key in use): the
    // key URL starts with the vault URI, and the vault's resource id adds its subscription.
    const term = query.q.toLowerCase();
    const pattern = likePattern(term);
    conditions.push(Prisma.sql`e."searchText" LIKE ${pattern}`);
    // Only a term that holds the separator can match across two parts: then each part is asked on its own.
    if (term.includes(SEARCH_SEPARATOR)) {
      conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM "CustomerTenant" st WHERE st.id = e."customerTenantId"
        AND (lower(st."displayName") LIKE ${pattern} OR st."tenantId"::text LIKE ${pattern}
          OR st.id IN (SELECT kr."customerTenantId" FROM "KeyReference" kr WHERE lower(kr."keyUrl") LIKE ${pattern} OR lower(kr."vaultResourceId") LIKE ${pattern})))`);
    }
  }
  if (query.step.length) conditions.push(Prisma.sql`e.step IN (${Prisma.join(query.step.map((step) => Prisma.sql`${step}::"OnboardingStep"`))})`);
  if (query.health.length) conditions.push(Prisma.sql`e."statusRank" IN (${Prisma.join(query.health.map((status) => STATUS_RANK[status]))})`);
  // Any DES's key, not only the primary's.
  if (query.keyExpiring) conditions.push(Prisma.sql`e."keyExpiresAt" <= now() + make_interval(days => ${KEY_EXPIRING_DAYS}::int)`);
  // Any of the tenant's DES regions, or without a DES its onboarding's (else its key's) region.
  if (query.region.length) conditions.push(Prisma.sql`e.regions && ARRAY[${Prisma.join(query.region)}]::text[]`);
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
}

type RawRow = Omit<TenantListRow, "desCount"> & { desCount: number | bigint; total?: bigint };

/**
 * The primary DES and the key in use, for the rows of one page only: looked up per row through the
 * (customerTenantId, …) indexes. The same choice as tenant_list_entries_of() in SQL.
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
 * The statements behind a page (exported for EXPLAIN in the benchmarks). The page is found in "TenantListEntry"
 * alone (with the tenant only to sort by last check): an index per sort, so a view walks its sort's index and stops
 * after one page, or for a narrow filter or a search reads only its matches through their index. Only then are the
 * page's rows completed from the source tables. Each row carries the view's count, so a page is one round trip:
 * from the kept totals where they answer it (keptCountSql), else counted in the same statement. `count` alone is
 * for a page past the end, which has no row to carry it.
 */
export function tenantListSql(query: TenantListQuery): { page: Prisma.Sql; count: Prisma.Sql } {
  const direction = query.dir === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const sort = SORT_SQL[query.sort];
  const nulls = sort.nullable ? Prisma.sql`NULLS LAST` : Prisma.empty;
  const offset = (query.page - 1) * query.pageSize;
  const where = whereClause(query);
  const count = Prisma.sql`SELECT count(*) AS total FROM "TenantListEntry" e ${where}`;
  // Sorting by last check walks the tenant's index, so the tie-break is the tenant's id (the same value).
  const from = query.sort === "lastCheck" ? Prisma.sql`FROM "CustomerTenant" t JOIN "TenantListEntry" e ON e."customerTenantId" = t.id` : Prisma.sql`FROM "TenantListEntry" e`;
  const id = query.sort === "lastCheck" ? Prisma.sql`t.id` : Prisma.sql`e."customerTenantId"`;
  const pageRows = (total: Prisma.Sql) => Prisma.sql`
      SELECT t.id, t."tenantId"::text AS "tenantId", t."displayName", o.step, d."provisioningState" AS "desState",
        coalesce(d.count, 0) AS "desCount", (${STATUS_SQL}) AS status, t."healthState", t."healthCause",
        d."lastErrorCode" AS "desErrorCode", ${keyColumn("vaultUri")} AS "vaultUri", ${keyColumn("keyName")} AS "keyName",
        ${keyColumn("keyVersion")} AS "keyVersion", ${keyColumn("keyUrl")} AS "keyUrl",
        ${REGION_SQL} AS region, t."lastHealthCheckAt", t."lastHealthChangeAt", ${total} AS total
      FROM p ${PAGE_DETAILS_SQL}
      ORDER BY p.sort_key ${direction} ${nulls}, p.id ${direction}`;
  // A search first collects all its matches (through the trigram index), then sorts and counts them: with the count
  // in a window over the sorted rows PostgreSQL would walk the sort's index instead, as if it could stop early.
  const page = query.q
    ? Prisma.sql`
      WITH m AS MATERIALIZED (SELECT ${id} AS id, ${sort.sql} AS sort_key ${from} ${where}),
      p AS MATERIALIZED (
        SELECT m.id, m.sort_key FROM m
        ORDER BY 2 ${direction} ${nulls}, 1 ${direction}
        LIMIT ${query.pageSize} OFFSET ${offset}
      )
      ${pageRows(Prisma.sql`(SELECT count(*) FROM m)`)}`
    : Prisma.sql`
      WITH p AS MATERIALIZED (
        SELECT ${id} AS id, ${sort.sql} AS sort_key ${from} ${where}
        ORDER BY 2 ${direction} ${nulls}, 1 ${direction}
        LIMIT ${query.pageSize} OFFSET ${offset}
      )
      ${pageRows(Prisma.sql`(${keptCountSql(query) ?? count})`)}`;
  return { page, count };
}

/**
 * The count of a view filtered by health alone, by step alone or by one region alone (or not at all), from the
 * totals the triggers keep: no count over many tenants per request. Null for other views, which are counted.
 */
export function keptCountSql(query: TenantListQuery): Prisma.Sql | null {
  const filters = [query.q !== "", query.step.length > 0, query.health.length > 0, query.region.length > 0, query.keyExpiring].filter(Boolean).length;
  if (filters > 1 || query.q || query.keyExpiring || query.region.length > 1) return null;
  if (query.step.length) return Prisma.sql`SELECT coalesce(sum(current), 0) AS total FROM "OnboardingStepTotal" WHERE step::text IN (${Prisma.join(query.step)})`;
  if (query.region.length) return Prisma.sql`SELECT coalesce(sum(tenants), 0) AS total FROM "TenantRegionTotal" WHERE region = ${query.region[0]}`;
  const only = query.health.length ? Prisma.sql`WHERE status IN (${Prisma.join(query.health)})` : Prisma.empty;
  return Prisma.sql`SELECT coalesce(sum(tenants), 0) AS total FROM "TenantStatusTotal" ${only}`;
}

/** One page of tenants and the number of tenants the filter matches. */
export async function listTenants(db: Db, query: TenantListQuery): Promise<TenantListPage> {
  const sql = tenantListSql(query);
  const rows = await db.$queryRaw<RawRow[]>(sql.page);
  // A page past the end has no row to carry the count.
  const total = rows[0] ? Number(rows[0].total) : query.page > 1 ? Number((await db.$queryRaw<{ total: bigint | number }[]>(keptCountSql(query) ?? sql.count))[0]?.total ?? 0) : 0;
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
