// npm run seed:demo -- --tenants 10000 [--seed N] — fills the database with demo customer tenants for the
// operator dashboard: DATABASE_URL when set, otherwise the embedded database in .data/postgres (like db:migrate).
import { parseArgs } from "node:util";
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { startProjectDatabase } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/migrate";
import { checkDatabaseReachable, describeDatabase } from "../lib/db/preflight";
import { seedDemoData } from "../lib/dashboard/demo-seed";

function options() {
  const { values } = parseArgs({ options: { tenants: { type: "string", default: "1000" }, seed: { type: "string" } } });
  const tenants = Number(values.tenants);
  if (!Number.isInteger(tenants) || tenants < 1 || tenants > 200_000) {
    throw new AppError("VALIDATION_FAILED", `--tenants must be a whole number from 1 to 200000 (got "${values.tenants}").`, { fix: "For example: npm run seed:demo -- --tenants 10000" });
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new AppError("VALIDATION_FAILED", "--seed must be a whole number.");
  return { tenants, seed };
}

async function seedInto(url: string, where: string, opts: { tenants: number; seed?: number }) {
  await applyMigrations(url);
  const summary = await seedDemoData(url, { tenants: opts.tenants, seed: opts.seed ?? Date.now() % 1_000_000 });
  const rows = Object.entries(summary.rows).map(([name, count]) => `${name} ${count}`).join(", ");
  console.log(`Seeded ${summary.tenants} demo tenants into ${where} in ${(summary.millis / 1000).toFixed(1)} s (${rows}).`);
}

async function main() {
  const opts = options();
  const url = toolingEnv().DATABASE_URL;
  if (url) {
    await checkDatabaseReachable(url);
    await seedInto(url, describeDatabase(url), opts);
    return;
  }
  const embedded = await startProjectDatabase();
  try {
    await seedInto(embedded.url, "the embedded database in .data/postgres", opts);
  } finally {
    await embedded.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`✖ ${error instanceof AppError ? error.toLine() : error instanceof EnvError ? error.message : (error as Error).message}`);
  process.exit(1);
});
