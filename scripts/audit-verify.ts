// npm run audit:verify — re-computes the audit log's hash chain and reports the first event that was changed
// or deleted: DATABASE_URL when set, otherwise the embedded database in .data/postgres (like db:migrate).
// Exit code 0 = intact, 2 = broken, 1 = could not check.
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { createPrismaClient } from "../lib/db/client";
import { startProjectDatabase } from "../lib/db/embedded";
import { checkDatabaseReachable, describeDatabase } from "../lib/db/preflight";
import { verifyAuditChain } from "../lib/audit/verify";

async function verifyAt(url: string, where: string): Promise<number> {
  const database = createPrismaClient(url);
  try {
    const status = await verifyAuditChain(database);
    if (status.ok) {
      console.log(`✔ Audit log intact: ${status.checked} events verified in ${where}.`);
      return 0;
    }
    console.error(`✖ Audit log broken at event ${status.firstBrokenSeq}: ${status.reason}. ${status.checked} events before it verified (${where}).`);
    console.error("  Compare with a backup to find what changed, and investigate who had direct database access.");
    return 2;
  } finally {
    await database.$disconnect();
  }
}

async function main(): Promise<number> {
  const url = toolingEnv().DATABASE_URL;
  if (url) {
    await checkDatabaseReachable(url);
    return verifyAt(url, describeDatabase(url));
  }
  const embedded = await startProjectDatabase();
  try {
    return await verifyAt(embedded.url, "the embedded database in .data/postgres");
  } finally {
    await embedded.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`✖ ${error instanceof AppError ? error.toLine() : error instanceof EnvError ? error.message : (error as Error).message}`);
    process.exit(1);
  },
);
