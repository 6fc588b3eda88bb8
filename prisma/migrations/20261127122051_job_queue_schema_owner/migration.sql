-- pg-boss's schema belongs to the schema owner, like everything else: the job queue is installed at migration
-- time (lib/db/migrate.ts) and the app role only reads and writes its rows (a schema's owner could drop its tables).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'pgboss' AND pg_get_userbyid(nspowner) = 'cmk_app') THEN
    EXECUTE format('ALTER SCHEMA pgboss OWNER TO %I', current_user);
  END IF;
END
$$;
