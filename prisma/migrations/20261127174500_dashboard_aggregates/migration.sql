-- DropIndex
DROP INDEX "Onboarding_step_idx";

-- CreateTable
CREATE TABLE "OnboardingStepTotal" (
    "step" "OnboardingStep" NOT NULL,
    "reached" INTEGER NOT NULL DEFAULT 0,
    "current" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "OnboardingStepTotal_pkey" PRIMARY KEY ("step")
);

-- CreateTable
CREATE TABLE "OnboardingStepDurationBucket" (
    "step" "OnboardingStep" NOT NULL,
    "bucket" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "OnboardingStepDurationBucket_pkey" PRIMARY KEY ("step","bucket")
);

-- CreateTable
CREATE TABLE "TenantStatus" (
    "customerTenantId" UUID NOT NULL,
    "status" TEXT NOT NULL,

    CONSTRAINT "TenantStatus_pkey" PRIMARY KEY ("customerTenantId")
);

-- CreateTable
CREATE TABLE "TenantStatusTotal" (
    "status" TEXT NOT NULL,
    "tenants" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "TenantStatusTotal_pkey" PRIMARY KEY ("status")
);

-- CreateIndex
CREATE INDEX "TenantStatus_status_idx" ON "TenantStatus"("status");

-- CreateIndex
CREATE INDEX "Onboarding_step_updatedAt_idx" ON "Onboarding"("step", "updatedAt");


-- ─── Dashboard aggregates, kept by triggers ───────────────────────────────────────────────────────────────
-- The overview read the whole onboarding history (a window over every step event, sorted on disk at 10,000
-- tenants) and joined every DES to count tenants by status. These tables hold the answers instead, kept in the
-- transaction of every write by statement-level triggers (one trigger run per statement, so bulk inserts stay
-- bulk). Each trigger recomputes the contribution of only the onboardings or tenants its statement touched,
-- before and after, and adds the difference. lib/dashboard/aggregates.test.ts checks the tables against a
-- from-scratch recomputation after random sequences of writes.
--
-- Concurrency (READ COMMITTED, the app's level): a trigger first locks the rows of what it recomputes (the
-- onboarding, the tenant's status row), then recomputes in a new statement, whose snapshot sees every
-- transaction that held those locks before. Totals are then changed in a fixed order (by step, by status), so
-- two writers never wait for each other's totals in opposite orders.

-- Bucket of a duration in seconds: log-scale, 32 per e-fold (about 3 % wide); 0 for anything under a second.
CREATE FUNCTION onboarding_duration_bucket(seconds DOUBLE PRECISION) RETURNS INTEGER AS $$
  SELECT floor(ln(1 + greatest(seconds, 0)) * 32)::INTEGER
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- Applies the change of a statement on "OnboardingStepEvent": `added` are the rows as they are now (inserted or
-- updated), `removed` the rows as they were (deleted or updated). Time in a step runs from entering it to
-- entering the next one, events ordered by ("enteredAt", id).
CREATE FUNCTION onboarding_funnel_apply(added "OnboardingStepEvent"[], removed "OnboardingStepEvent"[]) RETURNS VOID AS $$
DECLARE
  affected UUID[];
  r RECORD;
BEGIN
  SELECT array_agg(DISTINCT x) INTO affected
  FROM (SELECT "onboardingId" AS x FROM unnest(added) UNION ALL SELECT "onboardingId" FROM unnest(removed)) a;
  IF affected IS NULL THEN RETURN; END IF;
  -- Writers of one onboarding's events take turns (see the note on concurrency above). NO KEY UPDATE: inserting an
  -- event already holds KEY SHARE on its onboarding (the foreign key), which this lock does not wait for.
  PERFORM 1 FROM "Onboarding" WHERE id = ANY(affected) ORDER BY id FOR NO KEY UPDATE;
  FOR r IN
    WITH after_rows AS (
      SELECT e.id, e."onboardingId", e.step, e."enteredAt" FROM "OnboardingStepEvent" e WHERE e."onboardingId" = ANY(affected)
    ), before_rows AS (
      SELECT * FROM after_rows WHERE id NOT IN (SELECT a.id FROM unnest(added) a)
      UNION ALL SELECT d.id, d."onboardingId", d.step, d."enteredAt" FROM unnest(removed) d
    ), spans AS (
      SELECT 1 AS sign, step, lead("enteredAt") OVER w - "enteredAt" AS span FROM after_rows WINDOW w AS (PARTITION BY "onboardingId" ORDER BY "enteredAt", id)
      UNION ALL
      SELECT -1, step, lead("enteredAt") OVER w - "enteredAt" FROM before_rows WINDOW w AS (PARTITION BY "onboardingId" ORDER BY "enteredAt", id)
    )
    SELECT step, onboarding_duration_bucket(extract(epoch FROM span)) AS bucket, sum(sign)::INTEGER AS delta
    FROM spans WHERE span IS NOT NULL GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
  LOOP
    INSERT INTO "OnboardingStepDurationBucket" (step, bucket, count) VALUES (r.step, r.bucket, r.delta)
    ON CONFLICT (step, bucket) DO UPDATE SET count = "OnboardingStepDurationBucket".count + EXCLUDED.count;
  END LOOP;
  FOR r IN
    WITH after_rows AS (
      SELECT e.id, e."onboardingId", e.step FROM "OnboardingStepEvent" e WHERE e."onboardingId" = ANY(affected)
    ), before_rows AS (
      SELECT * FROM after_rows WHERE id NOT IN (SELECT a.id FROM unnest(added) a)
      UNION ALL SELECT d.id, d."onboardingId", d.step FROM unnest(removed) d
    ), reached AS (
      SELECT 1 AS sign, step FROM (SELECT DISTINCT "onboardingId", step FROM after_rows) a
      UNION ALL SELECT -1, step FROM (SELECT DISTINCT "onboardingId", step FROM before_rows) b
    )
    SELECT step, sum(sign)::INTEGER AS delta FROM reached GROUP BY 1 HAVING sum(sign) <> 0 ORDER BY 1
  LOOP
    UPDATE "OnboardingStepTotal" SET reached = reached + r.delta WHERE step = r.step;
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE FUNCTION onboarding_step_event_aggregates() RETURNS TRIGGER AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM onboarding_funnel_apply(ARRAY(SELECT ROW(n.*)::"OnboardingStepEvent" FROM new_rows n), '{}'::"OnboardingStepEvent"[]);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM onboarding_funnel_apply('{}'::"OnboardingStepEvent"[], ARRAY(SELECT ROW(o.*)::"OnboardingStepEvent" FROM old_rows o));
  ELSE
    PERFORM onboarding_funnel_apply(ARRAY(SELECT ROW(n.*)::"OnboardingStepEvent" FROM new_rows n), ARRAY(SELECT ROW(o.*)::"OnboardingStepEvent" FROM old_rows o));
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE TRIGGER onboarding_step_event_aggregates_insert AFTER INSERT ON "OnboardingStepEvent"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_step_event_aggregates();
CREATE TRIGGER onboarding_step_event_aggregates_update AFTER UPDATE ON "OnboardingStepEvent"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_step_event_aggregates();
CREATE TRIGGER onboarding_step_event_aggregates_delete AFTER DELETE ON "OnboardingStepEvent"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_step_event_aggregates();

-- ─── Tenant status ────────────────────────────────────────────────────────────────────────────────────────
-- The status of each given tenant as STATUS_SQL (lib/dashboard/tenant-list.ts) computes it: a failed DES first,
-- then one still being provisioned (or a submitted onboarding without a DES), else the key health. The primary
-- DES is the failed one if any, else the oldest. A tenant that no longer exists is left out.
CREATE FUNCTION tenant_status_of(ids UUID[]) RETURNS TABLE ("customerTenantId" UUID, status TEXT) AS $$
  SELECT t.id, CASE
    WHEN d."provisioningState" = 'FAILED' THEN 'FAILED'
    WHEN d."provisioningState" IN ('QUEUED', 'CREATING') OR (o.step = 'SUBMITTED' AND d.id IS NULL) THEN 'PROVISIONING'
    ELSE t."healthState"::TEXT END
  FROM "CustomerTenant" t
  LEFT JOIN "Onboarding" o ON o."customerTenantId" = t.id
  LEFT JOIN LATERAL (
    SELECT des.id, des."provisioningState" FROM "DiskEncryptionSet" des WHERE des."customerTenantId" = t.id
    ORDER BY (des."provisioningState" = 'FAILED') DESC, des."createdAt", des.id LIMIT 1
  ) d ON true
  WHERE t.id = ANY(ids)
$$ LANGUAGE sql STABLE;

-- Recomputes the status of the given tenants and moves the totals by what changed.
CREATE FUNCTION tenant_status_refresh(ids UUID[]) RETURNS VOID AS $$
DECLARE
  r RECORD;
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
  PERFORM 1 FROM "TenantStatus" WHERE "customerTenantId" = ANY(ids) ORDER BY "customerTenantId" FOR UPDATE;
  FOR r IN
    WITH fresh AS (
      SELECT * FROM tenant_status_of(ids)
    ), prior AS (
      SELECT s."customerTenantId", s.status FROM "TenantStatus" s WHERE s."customerTenantId" = ANY(ids)
    ), changed AS (
      SELECT coalesce(f."customerTenantId", p."customerTenantId") AS id, p.status AS before, f.status AS after
      FROM fresh f FULL JOIN prior p ON p."customerTenantId" = f."customerTenantId"
      WHERE p.status IS DISTINCT FROM f.status
    ), gone AS (
      DELETE FROM "TenantStatus" s USING changed c WHERE s."customerTenantId" = c.id AND c.after IS NULL
    ), kept AS (
      INSERT INTO "TenantStatus" ("customerTenantId", status) SELECT id, after FROM changed WHERE after IS NOT NULL
      ON CONFLICT ("customerTenantId") DO UPDATE SET status = EXCLUDED.status
    )
    SELECT status, sum(delta)::INTEGER AS delta FROM (
      SELECT before AS status, -1 AS delta FROM changed WHERE before IS NOT NULL
      UNION ALL SELECT after, 1 FROM changed WHERE after IS NOT NULL
    ) m GROUP BY status HAVING sum(delta) <> 0 ORDER BY status
  LOOP
    UPDATE "TenantStatusTotal" SET tenants = tenants + r.delta WHERE status = r.status;
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;

-- One trigger function for the three tables whose rows decide a status: the tenants whose deciding columns a
-- statement changed (any column for inserts and deletes).
CREATE FUNCTION tenant_status_aggregates() RETURNS TRIGGER AS $$
DECLARE
  ids UUID[];
BEGIN
  IF TG_TABLE_NAME = 'CustomerTenant' THEN
    IF TG_OP = 'INSERT' THEN SELECT array_agg(n.id) INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN SELECT array_agg(o.id) INTO ids FROM old_rows o;
    ELSE SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o."healthState" IS DISTINCT FROM n."healthState";
    END IF;
  ELSIF TG_TABLE_NAME = 'Onboarding' THEN
    IF TG_OP = 'INSERT' THEN SELECT array_agg(n."customerTenantId") INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN SELECT array_agg(o."customerTenantId") INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(x) INTO ids FROM (
        SELECT unnest(ARRAY[n."customerTenantId", o."customerTenantId"]) AS x FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.step IS DISTINCT FROM n.step OR o."customerTenantId" IS DISTINCT FROM n."customerTenantId") c;
    END IF;
  ELSE
    IF TG_OP = 'INSERT' THEN SELECT array_agg(n."customerTenantId") INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN SELECT array_agg(o."customerTenantId") INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(x) INTO ids FROM (
        SELECT unnest(ARRAY[n."customerTenantId", o."customerTenantId"]) AS x FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o."provisioningState" IS DISTINCT FROM n."provisioningState" OR o."createdAt" IS DISTINCT FROM n."createdAt"
          OR o."customerTenantId" IS DISTINCT FROM n."customerTenantId") c;
    END IF;
  END IF;
  PERFORM tenant_status_refresh(ARRAY(SELECT DISTINCT unnest(ids)));
  RETURN NULL;
END;
$$ LANGUAGE plpgsql VOLATILE;

-- ─── Tenants per onboarding step ──────────────────────────────────────────────────────────────────────────
CREATE FUNCTION onboarding_step_moves(added "OnboardingStep"[], removed "OnboardingStep"[]) RETURNS VOID AS $$
DECLARE
  r RECORD;
BEGIN
  FOR r IN
    SELECT step, sum(delta)::INTEGER AS delta FROM (
      SELECT a AS step, 1 AS delta FROM unnest(added) a UNION ALL SELECT d, -1 FROM unnest(removed) d
    ) m GROUP BY step HAVING sum(delta) <> 0 ORDER BY step
  LOOP
    UPDATE "OnboardingStepTotal" SET current = current + r.delta WHERE step = r.step;
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE FUNCTION onboarding_step_aggregates() RETURNS TRIGGER AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM onboarding_step_moves(ARRAY(SELECT n.step FROM new_rows n), '{}'::"OnboardingStep"[]);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM onboarding_step_moves('{}'::"OnboardingStep"[], ARRAY(SELECT o.step FROM old_rows o));
  ELSE
    PERFORM onboarding_step_moves(ARRAY(SELECT n.step FROM new_rows n), ARRAY(SELECT o.step FROM old_rows o));
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE TRIGGER onboarding_step_aggregates_insert AFTER INSERT ON "Onboarding"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_step_aggregates();
CREATE TRIGGER onboarding_step_aggregates_update AFTER UPDATE ON "Onboarding"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_step_aggregates();
CREATE TRIGGER onboarding_step_aggregates_delete AFTER DELETE ON "Onboarding"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_step_aggregates();

CREATE TRIGGER tenant_status_insert AFTER INSERT ON "CustomerTenant"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_update AFTER UPDATE ON "CustomerTenant"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_delete AFTER DELETE ON "CustomerTenant"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_insert AFTER INSERT ON "Onboarding"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_update AFTER UPDATE ON "Onboarding"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_delete AFTER DELETE ON "Onboarding"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_insert AFTER INSERT ON "DiskEncryptionSet"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_update AFTER UPDATE ON "DiskEncryptionSet"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();
CREATE TRIGGER tenant_status_delete AFTER DELETE ON "DiskEncryptionSet"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tenant_status_aggregates();

-- ─── Backfill: the totals of the rows that exist now ─────────────────────────────────────────────────────
INSERT INTO "OnboardingStepTotal" (step, reached, current)
SELECT s.step,
  (SELECT count(DISTINCT e."onboardingId") FROM "OnboardingStepEvent" e WHERE e.step = s.step),
  (SELECT count(*) FROM "Onboarding" o WHERE o.step = s.step)
FROM unnest(enum_range(NULL::"OnboardingStep")) s(step);

INSERT INTO "OnboardingStepDurationBucket" (step, bucket, count)
SELECT step, onboarding_duration_bucket(extract(epoch FROM span)), count(*)
FROM (SELECT step, lead("enteredAt") OVER (PARTITION BY "onboardingId" ORDER BY "enteredAt", id) - "enteredAt" AS span FROM "OnboardingStepEvent") e
WHERE span IS NOT NULL GROUP BY 1, 2;

INSERT INTO "TenantStatusTotal" (status, tenants)
SELECT s, 0 FROM unnest(ARRAY['UNKNOWN', 'HEALTHY', 'PROVISIONING', 'DEGRADED', 'KEY_UNREACHABLE', 'FAILED', 'REVOKED']) s;
SELECT tenant_status_refresh(ARRAY(SELECT id FROM "CustomerTenant"));
