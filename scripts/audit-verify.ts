// npm run audit:verify — re-computes the audit log's hash chain, holds it against the signed checkpoints
// (AUDIT_SIGNING_KEY; copies in AUDIT_CHECKPOINT_DIR) and reports the first event that was changed, deleted,
// cut off or rewritten: DATABASE_URL when set, otherwise the embedded database in .data/ with the demo's key
// and checkpoint copies there (like db:migrate). Exit code 0 = intact, 2 = broken, 1 = could not check.
import path from "node:path";
import { toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { createPrismaClient } from "../lib/db/client";
import { startProjectDatabase } from "../lib/db/embedded";
import { checkDatabaseReachable, describeDatabase } from "../lib/db/preflight";
import { demoCheckpointDir, parseAuditSigningKey, persistentAuditSigningKeyText, type AuditSigningKey } from "../lib/audit/checkpoint-key";
import { verifyAuditChain } from "../lib/audit/verify";

const DATA_DIR = path.resolve(import.meta.dirname, "..", ".data");

async function verifyAt(url: string, where: string, anchor: { key?: AuditSigningKey; checkpointDir?: string }): Promise<number> {
  const database = createPrismaClient(url);
  try {
    const status = await verifyAuditChain(database, anchor);
    if (!anchor.key) console.warn("⚠ AUDIT_SIGNING_KEY is not set: the chain was checked on its own, so a rewrite by the database owner (hashes recomputed) would go unnoticed.");
    if (status.ok) {
      const against = anchor.key ? `, against ${status.checkpoints} signed checkpoints${status.lastCheckpointAt ? ` (newest ${status.lastCheckpointAt.toISOString()})` : ""}` : "";
      console.log(`✔ Audit log intact: ${status.checked} events verified in ${where}${against}.`);
      return 0;
    }
    const at = status.firstBrokenSeq === undefined ? "" : ` at event ${status.firstBrokenSeq}`;
    console.error(`✖ Audit log broken${at} (${status.kind}): ${status.reason}. ${status.checked} events before it verified (${where}).`);
    console.error("  Compare with a backup to find what changed, and investigate who had direct database access.");
    return 2;
  } finally {
    await database.$disconnect();
  }
}

async function main(): Promise<number> {
  const env = toolingEnv();
  if (env.DATABASE_URL) {
    await checkDatabaseReachable(env.DATABASE_URL);
    return verifyAt(env.DATABASE_URL, describeDatabase(env.DATABASE_URL), { key: env.AUDIT_SIGNING_KEY, checkpointDir: env.AUDIT_CHECKPOINT_DIR });
  }
  const embedded = await startProjectDatabase();
  try {
    const key = env.AUDIT_SIGNING_KEY ?? parseAuditSigningKey(persistentAuditSigningKeyText(DATA_DIR));
    return await verifyAt(embedded.url, "the embedded database in .data/postgres", { key, checkpointDir: env.AUDIT_CHECKPOINT_DIR ?? demoCheckpointDir(DATA_DIR) });
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
