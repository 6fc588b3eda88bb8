// The dashboard benchmark's reference (scripts/bench-dashboard-http.ts): the first page of tenants in the list's
// default order, read with one plain statement and no counts, aggregates or streaming. Served at /bench/tenants
// only while BENCH_BARE_PAGE=true; the benchmark holds the real page to at most twice this page's time.
import type { Db } from "../db/client";
import { serverEnv } from "../env";
import { DEFAULT_PAGE_SIZE } from "./filters";

export type BareTenantRow = { id: string; displayName: string; tenantId: string; step: string | null; desState: string | null; healthState: string; keyUrl: string | null; region: string | null };

export function barePageEnabled(): boolean {
  return serverEnv().BENCH_BARE_PAGE;
}

/** The same 50 rows as the list's default view (by name, then id), with the DES and key each row shows. */
export async function bareTenantPage(db: Db): Promise<BareTenantRow[]> {
  return db.$queryRaw<BareTenantRow[]>`
    SELECT t.id, t."displayName", t."tenantId"::text AS "tenantId", o.step::text AS step, d."provisioningState"::text AS "desState",
      t."healthState"::text AS "healthState", k."keyUrl", coalesce(d.region, o.region) AS region
    FROM "CustomerTenant" t
    LEFT JOIN "Onboarding" o ON o."customerTenantId" = t.id
    LEFT JOIN LATERAL (SELECT des.region, des."provisioningState", des."keyReferenceId" FROM "DiskEncryptionSet" des
      WHERE des."customerTenantId" = t.id ORDER BY des."createdAt", des.id LIMIT 1) d ON true
    LEFT JOIN "KeyReference" k ON k.id = d."keyReferenceId"
    ORDER BY t."displayName", t.id LIMIT ${DEFAULT_PAGE_SIZE}`;
}
