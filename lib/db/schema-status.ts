// Whether the database's schema is the one this build expects: every migration committed under
// prisma/migrations has been applied (prisma migrate deploy records them in _prisma_migrations).
// The standalone server finds the directory beside it: next.config.ts traces prisma/migrations into
// the /api/health/ready route, and the Dockerfile copies it next to server.js.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Db } from "./client";

export type SchemaStatus =
  | { current: true; migrations: number }
  | { current: false; reason: string; fix: string; missing?: string[] };

/** The committed migration names, oldest first (directory names sort by their timestamp prefix). */
export function committedMigrations(dir: string): string[] {
  // turbopackIgnore: a directory known only at run time would otherwise make Next trace the whole project into
  // the standalone server (the simulator and tests included); next.config.ts traces prisma/migrations itself.
  return readdirSync(/* turbopackIgnore: true */ dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(/* turbopackIgnore: true */ path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort();
}

export async function schemaStatus(db: Db, migrationsDir: string = path.join(/* turbopackIgnore: true */ process.cwd(), "prisma", "migrations")): Promise<SchemaStatus> {
  if (!existsSync(/* turbopackIgnore: true */ migrationsDir)) {
    return { current: false, reason: `this build has no committed migrations to compare with (${migrationsDir} is missing)`, fix: "Ship prisma/migrations with the web server (the Dockerfile copies it beside server.js)." };
  }
  const committed = committedMigrations(migrationsDir);
  const table = await db.$queryRaw<{ present: boolean }[]>`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`;
  if (!table[0]?.present) {
    return { current: false, reason: "the database has no migrations applied", fix: "Run the migrate command (node dist/migrate.mjs) against this database.", missing: committed };
  }
  const applied = await db.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(applied.map((row) => row.migration_name));
  const missing = committed.filter((name) => !done.has(name));
  if (missing.length > 0) {
    return { current: false, reason: `${missing.length} committed migration(s) not applied: ${missing.join(", ")}`, fix: "Run the migrate command (node dist/migrate.mjs) before starting this version.", missing };
  }
  return { current: true, migrations: committed.length };
}
