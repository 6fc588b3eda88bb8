// npm run db:migrate — applies the committed migrations to the configured database
// (DATABASE_MIGRATION_URL, else DATABASE_URL), or to the embedded one under .data/ when neither is set.
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { startProjectDatabase } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/migrate";
import { checkDatabaseReachable, describeDatabase } from "../lib/db/preflight";

async function main() {
  // The schema owner's URL when the app's DATABASE_URL is a role that may not change the schema.
  const env = toolingEnv();
  const url = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
  if (url) {
    await checkDatabaseReachable(url);
    await applyMigrations(url);
    console.log(`Migrations applied to ${describeDatabase(url)}.`);
    return;
  }
  const embedded = await startProjectDatabase();
  try {
    await applyMigrations(embedded.url);
    console.log("Migrations applied to the embedded database in .data/postgres.");
  } finally {
    await embedded.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`✖ ${error instanceof AppError ? error.toLine() : error instanceof EnvError ? error.message : (error as Error).message}`);
  process.exit(1);
});
