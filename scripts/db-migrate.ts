// npm run db:migrate (tsx) and the production `migrate` command (node dist/migrate.mjs, bundled by
// scripts/build-artifacts.ts): applies the committed migrations to the configured database
// (DATABASE_MIGRATION_URL, else DATABASE_URL) with prisma migrate deploy, then exits. On a developer machine
// with neither set it migrates the embedded demo database under .data/; the production bundle has no embedded
// database and says to set a URL instead.
import { ManagedIdentityCredential } from "@azure/identity";
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { applyMigrations } from "../lib/db/migrate";
import { checkDatabaseReachable, describeDatabase } from "../lib/db/preflight";
import { urlWithEntraToken } from "../lib/db/entra-password";

async function main() {
  // The schema owner's URL when the app's DATABASE_URL is a role that may not change the schema.
  const env = toolingEnv();
  const url = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
  if (url) {
    // DATABASE_MIGRATION_AUTH=entra: the schema owner is a managed identity; its token is the URL's password.
    const signedIn = env.DATABASE_MIGRATION_AUTH === "entra"
      ? await urlWithEntraToken(url, new ManagedIdentityCredential(env.DATABASE_MIGRATION_ENTRA_CLIENT_ID ? { clientId: env.DATABASE_MIGRATION_ENTRA_CLIENT_ID } : {}))
      : url;
    await checkDatabaseReachable(signedIn);
    await applyMigrations(signedIn);
    console.log(`Migrations applied to ${describeDatabase(url)}.`);
    return;
  }
  const { startProjectDatabase } = await import("../lib/db/embedded");
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
