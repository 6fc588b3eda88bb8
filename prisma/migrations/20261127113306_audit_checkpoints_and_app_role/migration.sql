-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "id" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "headSeq" BIGINT NOT NULL,
    "headHash" TEXT NOT NULL,
    "eventCount" BIGINT NOT NULL,
    "keyId" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "AuditCheckpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditChainCheck" (
    "name" TEXT NOT NULL,
    "checkedAt" TIMESTAMP(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "checked" INTEGER NOT NULL,
    "firstBrokenSeq" BIGINT,
    "reason" TEXT,
    "checkpoints" INTEGER NOT NULL,
    "lastCheckpointAt" TIMESTAMP(3),

    CONSTRAINT "AuditChainCheck_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "AuditCheckpoint_headSeq_idx" ON "AuditCheckpoint"("headSeq");


-- The audit tables are append-only for everyone who goes through triggers, the owner included: no UPDATE,
-- DELETE or TRUNCATE. (An owner or superuser can still switch triggers off: signed checkpoints catch that.)
CREATE FUNCTION audit_table_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditEvent_no_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_table_is_append_only();

CREATE TRIGGER "AuditCheckpoint_append_only"
  BEFORE UPDATE OR DELETE ON "AuditCheckpoint"
  FOR EACH ROW EXECUTE FUNCTION audit_table_is_append_only();

CREATE TRIGGER "AuditCheckpoint_no_truncate"
  BEFORE TRUNCATE ON "AuditCheckpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_table_is_append_only();

-- The application's role: reads and writes rows, never changes the schema, and may only append to the audit
-- tables. Migrations run as the owner (DATABASE_MIGRATION_URL); the app's login is a member of cmk_app.
-- Roles are cluster-wide and several databases may be migrated at once (tests): a concurrent creation is fine.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cmk_app') THEN
    CREATE ROLE cmk_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO cmk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cmk_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cmk_app;
-- Tables and sequences that later migrations create get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cmk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cmk_app;

REVOKE UPDATE, DELETE, TRUNCATE ON "AuditEvent", "AuditCheckpoint" FROM cmk_app;
-- The migration history is the owner's (absent only when migrations are replayed into a scratch database).
DO $$
BEGIN
  IF to_regclass('"_prisma_migrations"') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM cmk_app;
  END IF;
END
$$;

-- The job queue (pg-boss) creates its own tables at run time: its schema belongs to the app role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'pgboss') THEN
    -- A non-superuser owner must be a member of cmk_app to give it the schema.
    IF NOT pg_has_role(current_user, 'cmk_app', 'MEMBER') THEN
      EXECUTE format('GRANT cmk_app TO %I', current_user);
    END IF;
    CREATE SCHEMA pgboss AUTHORIZATION cmk_app;
  END IF;
END
$$;
