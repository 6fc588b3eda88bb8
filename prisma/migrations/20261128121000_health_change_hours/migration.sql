-- ─── Health changes per hour and state, kept by a trigger ──────────────────────────────────────────────
-- The overview's health charts (24 hours by hour, 7 days by day) counted every health event in their window: at
-- 100,000 tenants that is some 140,000 rows per request, growing with the fleet. "HealthChangeHour" holds the
-- count per hour and state; the overview reads the window's hours from it and only the current, unfinished hour
-- from "HealthEvent" (lib/dashboard/overview.ts).
--
-- Statement-level, as the other totals (one run per statement, so bulk inserts stay bulk). Lock order: a writer
-- that changes a tenant's health writes the tenant first and its event second (lib/health/service.ts,
-- lib/support/revocation.ts), so the status totals are always locked before an hour's row, never the other way.

-- CreateTable
CREATE TABLE "HealthChangeHour" (
    "hour" TIMESTAMP(3) NOT NULL,
    "toState" "HealthState" NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "HealthChangeHour_pkey" PRIMARY KEY ("hour","toState")
);

-- Moves the counts by the events a statement added and removed (paired arrays of time and state), in a fixed order.
CREATE FUNCTION health_change_hour_moves(added_hours TIMESTAMP(3)[], added_states "HealthState"[], removed_hours TIMESTAMP(3)[], removed_states "HealthState"[]) RETURNS VOID AS $$
DECLARE
  r RECORD;
BEGIN
  FOR r IN
    SELECT hour, state, sum(delta)::INTEGER AS delta FROM (
      SELECT date_trunc('hour', a.hour) AS hour, a.state, 1 AS delta FROM unnest(added_hours, added_states) a(hour, state)
      UNION ALL SELECT date_trunc('hour', d.hour), d.state, -1 FROM unnest(removed_hours, removed_states) d(hour, state)
    ) m GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 1, 2
  LOOP
    INSERT INTO "HealthChangeHour" (hour, "toState", count) VALUES (r.hour, r.state, r.delta)
    ON CONFLICT (hour, "toState") DO UPDATE SET count = "HealthChangeHour".count + EXCLUDED.count;
  END LOOP;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE FUNCTION health_change_hours() RETURNS TRIGGER AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM health_change_hour_moves(ARRAY(SELECT n."occurredAt" FROM new_rows n ORDER BY n.id), ARRAY(SELECT n."toState" FROM new_rows n ORDER BY n.id), '{}', '{}');
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM health_change_hour_moves('{}', '{}', ARRAY(SELECT o."occurredAt" FROM old_rows o ORDER BY o.id), ARRAY(SELECT o."toState" FROM old_rows o ORDER BY o.id));
  ELSE
    PERFORM health_change_hour_moves(ARRAY(SELECT n."occurredAt" FROM new_rows n ORDER BY n.id), ARRAY(SELECT n."toState" FROM new_rows n ORDER BY n.id),
      ARRAY(SELECT o."occurredAt" FROM old_rows o ORDER BY o.id), ARRAY(SELECT o."toState" FROM old_rows o ORDER BY o.id));
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql VOLATILE;

CREATE TRIGGER health_change_hours_insert AFTER INSERT ON "HealthEvent"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION health_change_hours();
CREATE TRIGGER health_change_hours_update AFTER UPDATE ON "HealthEvent"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION health_change_hours();
CREATE TRIGGER health_change_hours_delete AFTER DELETE ON "HealthEvent"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION health_change_hours();

-- ─── Backfill: the counts of the events that exist now ─────────────────────────────────────────────────
INSERT INTO "HealthChangeHour" (hour, "toState", count)
SELECT date_trunc('hour', "occurredAt"), "toState", count(*) FROM "HealthEvent" GROUP BY 1, 2;
