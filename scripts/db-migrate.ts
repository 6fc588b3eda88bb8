// npm run db:migrate — applies the committed migrations to the configured database
// (DATABASE_URL), or to the embedded one under .data/ when DATABASE_URL is unset.
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { startProjectDatabase } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/migrate";
import { checkDatabaseReachable, describeDatabase } from "../lib/db/preflight";

async function main() {
  const url = toolingEnv().DATABASE_URL;
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
