-- The totals rows are created when first needed instead of only by the backfill: a reset that empties every table
-- (the end-to-end harness truncates them all) left no row for an UPDATE to move, and the dashboard showed 0 tenants.
CREATE OR REPLACE FUNCTION onboarding_step_moves(added "OnboardingStep"[], removed "OnboardingStep"[]) RETURNS VOID AS $$
DECLARE
  r RECORD;
BEGIN
  FOR r IN
    SELECT step, sum(delta)::INTEGER AS delta FROM (
      SELECT a AS step, 1 AS delta FROM unnest(added) a UNION ALL SELECT d, -1 FROM unnest(removed) d
    ) m GROUP BY step HAVING sum(delta) <> 0 ORDER BY step
  LOOP
    INSERT INTO "OnboardingStepTotal" (step, current) VALUES (r.step, r.delta)
    ON CONFLICT (step) DO UPDATE SET current = "OnboardingStepTotal".current + EXCLUDED.current;
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE OR REPLACE FUNCTION onboarding_step_reached_move(p_step "OnboardingStep", p_delta INTEGER) RETURNS VOID AS $$
  INSERT INTO "OnboardingStepTotal" (step, reached) VALUES (p_step, p_delta)
  ON CONFLICT (step) DO UPDATE SET reached = "OnboardingStepTotal".reached + EXCLUDED.reached
$$ LANGUAGE sql VOLATILE;

CREATE OR REPLACE FUNCTION tenant_status_total_move(p_status TEXT, p_delta INTEGER) RETURNS VOID AS $$
  INSERT INTO "TenantStatusTotal" (status, tenants) VALUES (p_status, p_delta)
  ON CONFLICT (status) DO UPDATE SET tenants = "TenantStatusTotal".tenants + EXCLUDED.tenants
$$ LANGUAGE sql VOLATILE;

CREATE OR REPLACE FUNCTION onboarding_funnel_apply(added "OnboardingStepEvent"[], removed "OnboardingStepEvent"[]) RETURNS VOID AS $$
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
    PERFORM onboarding_step_reached_move(r.step, r.delta);
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE OR REPLACE FUNCTION tenant_status_refresh(ids UUID[]) RETURNS VOID AS $$
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
    PERFORM tenant_status_total_move(r.status, r.delta);
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;
