-- ─── The tenant list's sort and filter columns, one row per tenant, kept by triggers ──────────────────────
-- At 100,000 tenants the list computed its sort keys and filters from the tenant, its onboarding, its primary DES
-- and its key in use for every tenant on every request: sorting by health or region, filtering by region or step
-- and searching read and joined every row (0.4–1.5 s). "TenantListEntry" holds, per tenant, every column the list
-- sorts or filters by, with an index per sort (both directions where a value can be missing, so NULLS LAST is
-- walkable either way), and replaces "TenantStatus" (its status is one of them). The same statement-level
-- triggers keep it, in the transaction of every write, now also on "KeyReference"; the page's 50 rows are still
-- completed from the source tables. lib/dashboard/aggregates.test.ts checks every column against a recomputation.
--
-- Search: substring search (LIKE '%term%') over the name, the tenant id and every connected key URL and vault, from
-- one lower-cased text per tenant ("searchText", the parts joined by newlines) through a trigram index. pg_trgm is
-- a trusted extension shipped with PostgreSQL (and with the embedded-postgres binaries); on Azure Database for
-- PostgreSQL flexible server it must be allow-listed first (docs/deploy.md, azure.extensions).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateTable
CREATE TABLE "TenantListEntry" (
    "customerTenantId" UUID NOT NULL,
    "displayName" TEXT NOT NULL,
    "tenantId" UUID NOT NULL,
    "step" "OnboardingStep",
    "desState" "DesProvisioningState",
    "status" TEXT NOT NULL,
    "statusRank" SMALLINT NOT NULL,
    "vaultUri" TEXT,
    "keyName" TEXT,
    "region" TEXT,
    "regions" TEXT[],
    "keyExpiresAt" TIMESTAMP(3),
    "lastHealthChangeAt" TIMESTAMP(3),
    "searchText" TEXT NOT NULL,

    CONSTRAINT "TenantListEntry_pkey" PRIMARY KEY ("customerTenantId")
);

-- CreateTable
CREATE TABLE "TenantRegionTotal" (
    "region" TEXT NOT NULL,
    "tenants" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "TenantRegionTotal_pkey" PRIMARY KEY ("region")
);

-- One index per sort, ending in the tie-break (the id, same direction). Nullable columns get a second index for
-- the descending order, since the list puts missing values last in both directions.
CREATE INDEX "TenantListEntry_displayName_customerTenantId_idx" ON "TenantListEntry"("displayName", "customerTenantId");
CREATE INDEX "TenantListEntry_tenantId_customerTenantId_idx" ON "TenantListEntry"("tenantId", "customerTenantId");
CREATE INDEX "TenantListEntry_statusRank_customerTenantId_idx" ON "TenantListEntry"("statusRank", "customerTenantId");
CREATE INDEX "TenantListEntry_step_customerTenantId_idx" ON "TenantListEntry"("step", "customerTenantId");
CREATE INDEX "TenantListEntry_step_desc_idx" ON "TenantListEntry"("step" DESC NULLS LAST, "customerTenantId" DESC);
CREATE INDEX "TenantListEntry_desState_customerTenantId_idx" ON "TenantListEntry"("desState", "customerTenantId");
CREATE INDEX "TenantListEntry_desState_desc_idx" ON "TenantListEntry"("desState" DESC NULLS LAST, "customerTenantId" DESC);
CREATE INDEX "TenantListEntry_vaultUri_customerTenantId_idx" ON "TenantListEntry"("vaultUri", "customerTenantId");
CREATE INDEX "TenantListEntry_vaultUri_desc_idx" ON "TenantListEntry"("vaultUri" DESC NULLS LAST, "customerTenantId" DESC);
CREATE INDEX "TenantListEntry_keyName_customerTenantId_idx" ON "TenantListEntry"("keyName", "customerTenantId");
CREATE INDEX "TenantListEntry_keyName_desc_idx" ON "TenantListEntry"("keyName" DESC NULLS LAST, "customerTenantId" DESC);
CREATE INDEX "TenantListEntry_region_customerTenantId_idx" ON "TenantListEntry"("region", "customerTenantId");
CREATE INDEX "TenantListEntry_region_desc_idx" ON "TenantListEntry"("region" DESC NULLS LAST, "customerTenantId" DESC);
CREATE INDEX "TenantListEntry_lastHealthChangeAt_customerTenantId_idx" ON "TenantListEntry"("lastHealthChangeAt", "customerTenantId");
CREATE INDEX "TenantListEntry_lastHealthChangeAt_desc_idx" ON "TenantListEntry"("lastHealthChangeAt" DESC NULLS LAST, "customerTenantId" DESC);
CREATE INDEX "TenantListEntry_keyExpiresAt_idx" ON "TenantListEntry"("keyExpiresAt");
CREATE INDEX "TenantListEntry_regions_idx" ON "TenantListEntry" USING GIN ("regions");
CREATE INDEX "TenantListEntry_searchText_idx" ON "TenantListEntry" USING GIN ("searchText" gin_trgm_ops);

-- The last check changes on every health check, so it stays on the tenant (no trigger work per check); its sort
-- walks these, in both directions with missing values last.
DROP INDEX "CustomerTenant_lastHealthCheckAt_idx";
CREATE INDEX "CustomerTenant_lastHealthCheckAt_id_idx" ON "CustomerTenant"("lastHealthCheckAt", "id");
CREATE INDEX "CustomerTenant_lastHealthCheckAt_desc_idx" ON "CustomerTenant"("lastHealthCheckAt" DESC NULLS LAST, "id" DESC);

-- A key's DES: the triggers find the tenants whose key changed through it (and a key's deletion checks it).
CREATE INDEX "DiskEncryptionSet_keyReferenceId_idx" ON "DiskEncryptionSet"("keyReferenceId");

-- Severity order for sorting by health, worst last (lib/dashboard/tenant-list.ts STATUS_RANK, tested equal).
CREATE FUNCTION tenant_status_rank(status TEXT) RETURNS SMALLINT AS $$
  SELECT (CASE status WHEN 'UNKNOWN' THEN 0 WHEN 'HEALTHY' THEN 1 WHEN 'PROVISIONING' THEN 2 WHEN 'DEGRADED' THEN 3
    WHEN 'KEY_UNREACHABLE' THEN 4 WHEN 'FAILED' THEN 5 WHEN 'REVOKED' THEN 6 END)::SMALLINT
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- The entries of the given tenants from the source rows, as the list defines them: the primary DES is the failed one
-- if any, else the oldest; the key in use is that DES's key, or before there is a DES the newest key; the status is
-- a failed DES first, then one being provisioned (or a submitted onboarding without a DES), else the key health.
-- Region filter: any DES region, or without a DES the onboarding's (else the key's) region. Key expiry: the
-- earliest expiry of any DES's key. A tenant that no longer exists is left out.
CREATE FUNCTION tenant_list_entries_of(ids UUID[]) RETURNS SETOF "TenantListEntry" AS $$
  SELECT t.id, t."displayName", t."tenantId", o.step, d."provisioningState", s.status, tenant_status_rank(s.status),
    coalesce(kd."vaultUri", kn."vaultUri"), coalesce(kd."keyName", kn."keyName"),
    coalesce(d.region, o.region, kd.region, kn.region),
    CASE WHEN d.id IS NOT NULL THEN ds.regions
      ELSE ARRAY(SELECT r FROM (VALUES (coalesce(o.region, kn.region))) v(r) WHERE r IS NOT NULL) END,
    ds."keyExpiresAt", t."lastHealthChangeAt",
    concat_ws(E'\n', lower(t."displayName"), t."tenantId"::TEXT, ks.text)
  FROM "CustomerTenant" t
  LEFT JOIN "Onboarding" o ON o."customerTenantId" = t.id
  LEFT JOIN LATERAL (
    SELECT des.id, des.region, des."provisioningState", des."keyReferenceId" FROM "DiskEncryptionSet" des
    WHERE des."customerTenantId" = t.id ORDER BY (des."provisioningState" = 'FAILED') DESC, des."createdAt", des.id LIMIT 1
  ) d ON true
  LEFT JOIN "KeyReference" kd ON kd.id = d."keyReferenceId"
  LEFT JOIN LATERAL (
    SELECT kr."vaultUri", kr."keyName", kr.region FROM "KeyReference" kr
    WHERE kr."customerTenantId" = t.id AND d.id IS NULL ORDER BY kr."createdAt" DESC, kr.id LIMIT 1
  ) kn ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT des.region ORDER BY des.region) AS regions, min(k."expiresAt") AS "keyExpiresAt"
    FROM "DiskEncryptionSet" des JOIN "KeyReference" k ON k.id = des."keyReferenceId" WHERE des."customerTenantId" = t.id
  ) ds ON true
  LEFT JOIN LATERAL (
    SELECT string_agg(lower(k."keyUrl") || E'\n' || lower(k."vaultResourceId"), E'\n' ORDER BY k.id) AS text
    FROM "KeyReference" k WHERE k."customerTenantId" = t.id
  ) ks ON true
  CROSS JOIN LATERAL (SELECT CASE
    WHEN d."provisioningState" = 'FAILED' THEN 'FAILED'
    WHEN d."provisioningState" IN ('QUEUED', 'CREATING') OR (o.step = 'SUBMITTED' AND d.id IS NULL) THEN 'PROVISIONING'
    ELSE t."healthState"::TEXT END AS status) s
  WHERE t.id = ANY(ids)
$$ LANGUAGE sql STABLE;

CREATE FUNCTION tenant_region_total_move(p_region TEXT, p_delta INTEGER) RETURNS VOID AS $$
  INSERT INTO "TenantRegionTotal" (region, tenants) VALUES (p_region, p_delta)
  ON CONFLICT (region) DO UPDATE SET tenants = "TenantRegionTotal".tenants + EXCLUDED.tenants
$$ LANGUAGE sql VOLATILE;

-- Recomputes the entries of the given tenants, writes those that changed, and moves the totals per status and per
-- region by what changed. Concurrency as in 20261127174500_dashboard_aggregates: lock the entries first, recompute
-- in a new statement (whose snapshot sees every transaction that held them), then totals in a fixed order (statuses,
-- then regions, each by name), so two writers never wait for each other's totals in opposite orders.
CREATE FUNCTION tenant_list_refresh(ids UUID[]) RETURNS VOID AS $$
DECLARE
  r RECORD;
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
  PERFORM 1 FROM "TenantListEntry" WHERE "customerTenantId" = ANY(ids) ORDER BY "customerTenantId" FOR UPDATE;
  FOR r IN
    WITH fresh AS (
      SELECT f AS entry FROM tenant_list_entries_of(ids) f
    ), prior AS (
      SELECT e AS entry FROM "TenantListEntry" e WHERE e."customerTenantId" = ANY(ids)
    ), changed AS (
      SELECT coalesce((f.entry)."customerTenantId", (p.entry)."customerTenantId") AS id, p.entry AS before, f.entry AS after
      FROM fresh f FULL JOIN prior p ON (p.entry)."customerTenantId" = (f.entry)."customerTenantId"
      WHERE f.entry IS DISTINCT FROM p.entry
    ), gone AS (
      DELETE FROM "TenantListEntry" e USING changed c WHERE e."customerTenantId" = c.id AND (c.after)."customerTenantId" IS NULL
    ), kept AS (
      INSERT INTO "TenantListEntry" SELECT (c.after).* FROM changed c WHERE (c.after)."customerTenantId" IS NOT NULL
      ON CONFLICT ("customerTenantId") DO UPDATE SET "displayName" = EXCLUDED."displayName", "tenantId" = EXCLUDED."tenantId",
        step = EXCLUDED.step, "desState" = EXCLUDED."desState", status = EXCLUDED.status, "statusRank" = EXCLUDED."statusRank",
        "vaultUri" = EXCLUDED."vaultUri", "keyName" = EXCLUDED."keyName", region = EXCLUDED.region, regions = EXCLUDED.regions,
        "keyExpiresAt" = EXCLUDED."keyExpiresAt", "lastHealthChangeAt" = EXCLUDED."lastHealthChangeAt", "searchText" = EXCLUDED."searchText"
    )
    SELECT kind, key, sum(delta)::INTEGER AS delta FROM (
      SELECT 1 AS kind, (c.before).status AS key, -1 AS delta FROM changed c WHERE (c.before)."customerTenantId" IS NOT NULL
      UNION ALL SELECT 1, (c.after).status, 1 FROM changed c WHERE (c.after)."customerTenantId" IS NOT NULL
      UNION ALL SELECT 2, unnest((c.before).regions), -1 FROM changed c WHERE (c.before)."customerTenantId" IS NOT NULL
      UNION ALL SELECT 2, unnest((c.after).regions), 1 FROM changed c WHERE (c.after)."customerTenantId" IS NOT NULL
    ) m GROUP BY kind, key HAVING sum(delta) <> 0 ORDER BY kind, key
  LOOP
    IF r.kind = 1 THEN PERFORM tenant_status_total_move(r.key, r.delta);
    ELSE PERFORM tenant_region_total_move(r.key, r.delta);
    END IF;
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;

-- The tenants whose entry a statement may have changed: any row inserted or deleted, and rows whose listed columns
-- changed (the last check, written on every health check, is not one of them). A key also changes the entry of
-- every tenant whose DES uses it.
CREATE OR REPLACE FUNCTION tenant_status_aggregates() RETURNS TRIGGER AS $$
DECLARE
  ids UUID[];
BEGIN
  IF TG_TABLE_NAME = 'CustomerTenant' THEN
    IF TG_OP = 'INSERT' THEN SELECT array_agg(n.id) INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN SELECT array_agg(o.id) INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE o."healthState" IS DISTINCT FROM n."healthState" OR o."displayName" IS DISTINCT FROM n."displayName"
        OR o."tenantId" IS DISTINCT FROM n."tenantId" OR o."lastHealthChangeAt" IS DISTINCT FROM n."lastHealthChangeAt";
    END IF;
  ELSIF TG_TABLE_NAME = 'Onboarding' THEN
    IF TG_OP = 'INSERT' THEN SELECT array_agg(n."customerTenantId") INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN SELECT array_agg(o."customerTenantId") INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(x) INTO ids FROM (
        SELECT unnest(ARRAY[n."customerTenantId", o."customerTenantId"]) AS x FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.step IS DISTINCT FROM n.step OR o.region IS DISTINCT FROM n.region OR o."customerTenantId" IS DISTINCT FROM n."customerTenantId") c;
    END IF;
  ELSIF TG_TABLE_NAME = 'DiskEncryptionSet' THEN
    IF TG_OP = 'INSERT' THEN SELECT array_agg(n."customerTenantId") INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN SELECT array_agg(o."customerTenantId") INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(x) INTO ids FROM (
        SELECT unnest(ARRAY[n."customerTenantId", o."customerTenantId"]) AS x FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o."provisioningState" IS DISTINCT FROM n."provisioningState" OR o."createdAt" IS DISTINCT FROM n."createdAt"
          OR o."customerTenantId" IS DISTINCT FROM n."customerTenantId" OR o.region IS DISTINCT FROM n.region
          OR o."keyReferenceId" IS DISTINCT FROM n."keyReferenceId") c;
    END IF;
  ELSE
    -- KeyReference: its tenant, and the tenants of the DES rows that use it.
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(n."customerTenantId") INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
      SELECT array_agg(o."customerTenantId") INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(x) INTO ids FROM (
        SELECT unnest(ARRAY[n."customerTenantId", o."customerTenantId"]) AS x FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o."customerTenantId" IS DISTINCT FROM n."customerTenantId" OR o."vaultUri" IS DISTINCT FROM n."vaultUri"
          OR o."keyName" IS DISTINCT FROM n."keyName" OR o."keyUrl" IS DISTINCT FROM n."keyUrl"
          OR o."vaultResourceId" IS DISTINCT FROM n."vaultResourceId" OR o.region IS DISTINCT FROM n.region
          OR o."createdAt" IS DISTINCT FROM n."createdAt" OR o."expiresAt" IS DISTINCT FROM n."expiresAt"
        UNION ALL
        SELECT des."customerTenantId" FROM "DiskEncryptionSet" des JOIN new_rows n ON n.id = des."keyReferenceId" JOIN old_rows o ON o.id = n.id
        WHERE o."vaultUri" IS DISTINCT FROM n."vaultUri" OR o."keyName" IS DISTINCT FROM n."keyName" OR o.region IS DISTINCT FROM n.region
          OR o."expiresAt" IS DISTINCT FROM n."expiresAt") c;
    END IF;
  END IF;
  PERFORM tenant_list_refresh(ARRAY(SELECT DISTINCT x FROM unnest(ids) x WHERE x IS NOT NULL));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE TRIGGER tenant_status_insert AFTER INSERT ON "KeyReference"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_update AFTER UPDATE ON "KeyReference"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_delete AFTER DELETE ON "KeyReference"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();

DROP FUNCTION tenant_status_refresh(UUID[]);
DROP FUNCTION tenant_status_of(UUID[]);
DROP TABLE "TenantStatus";

-- ─── Backfill: the entries and totals of the rows that exist now ─────────────────────────────────────────
DELETE FROM "TenantStatusTotal";
DELETE FROM "TenantRegionTotal";
SELECT tenant_list_refresh(ARRAY(SELECT id FROM "CustomerTenant"));
ANALYZE "TenantListEntry";
