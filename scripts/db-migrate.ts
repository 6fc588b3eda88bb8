// npm run db:migrate — applies the committed migrations to the configured database
// (DATABASE_URL), or to the embedded one under .data/ when DATABASE_URL is unset.
import path from "node:path";
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { startEmbeddedDatabase } from "../lib/db/embedded";
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
  const embedded = await startEmbeddedDatabase({ dataDir: path.resolve(import.meta.dirname, "..", ".data", "pglite") });
  try {
    await applyMigrations(embedded.url);
    console.log("Migrations applied to the embedded database in .data/pglite.");
  } finally {
    await embedded.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`✖ ${error instanceof AppError ? error.toLine() : error instanceof EnvError ? error.message : (error as Error).message}`);
  process.exit(1);
});
