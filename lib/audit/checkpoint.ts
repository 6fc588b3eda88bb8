// Signed checkpoints anchor the audit chain outside the database. A checkpoint says "at this time the chain
// had this many events and ended in this hash", signed with AUDIT_SIGNING_KEY. A database owner can switch
// the triggers off and rewrite every row with recomputed hashes, but cannot sign a matching checkpoint; and
// copies of each checkpoint live where the database cannot reach (a log line, AUDIT_CHECKPOINT_DIR).
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import { sign, verify } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import type { Db } from "../db/client";
import type { AuditSigningKey } from "./checkpoint-key";

export type CheckpointStatement = { headSeq: bigint; headHash: string; eventCount: bigint; createdAt: Date };
export type SignedCheckpoint = CheckpointStatement & { keyId: string; signature: string };
/** Where a checkpoint was read from, for reports ("the database", or a file name). */
export type StoredCheckpoint = SignedCheckpoint & { source: string };

function statementBytes(checkpoint: CheckpointStatement & { keyId: string }): Buffer {
  const { headSeq, headHash, eventCount, createdAt, keyId } = checkpoint;
  return Buffer.from(`cmk-audit-checkpoint/v1\n${headSeq}\n${headHash}\n${eventCount}\n${createdAt.toISOString()}\n${keyId}`);
}

export function signCheckpoint(key: AuditSigningKey, statement: CheckpointStatement): SignedCheckpoint {
  const signature = sign(null, statementBytes({ ...statement, keyId: key.keyId }), key.privateKey).toString("base64");
  return { ...statement, keyId: key.keyId, signature };
}

export function checkpointSignatureValid(key: AuditSigningKey, checkpoint: SignedCheckpoint): boolean {
  if (checkpoint.keyId !== key.keyId) return false;
  return verify(null, statementBytes(checkpoint), key.publicKey, Buffer.from(checkpoint.signature, "base64"));
}

const checkpointJson = z.object({
  v: z.literal(1),
  headSeq: z.string().regex(/^\d+$/),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
  eventCount: z.string().regex(/^\d+$/),
  createdAt: z.string().datetime(),
  keyId: z.string().min(1),
  signature: z.string().min(1),
});
export type CheckpointJson = z.infer<typeof checkpointJson>;

export function checkpointToJson(checkpoint: SignedCheckpoint): CheckpointJson {
  return { v: 1, headSeq: checkpoint.headSeq.toString(), headHash: checkpoint.headHash, eventCount: checkpoint.eventCount.toString(), createdAt: checkpoint.createdAt.toISOString(), keyId: checkpoint.keyId, signature: checkpoint.signature };
}

export function checkpointFromJson(value: unknown): SignedCheckpoint | undefined {
  const parsed = checkpointJson.safeParse(value);
  if (!parsed.success) return undefined;
  const { headSeq, headHash, eventCount, createdAt, keyId, signature } = parsed.data;
  return { headSeq: BigInt(headSeq), headHash, eventCount: BigInt(eventCount), createdAt: new Date(createdAt), keyId, signature };
}

/**
 * Appends the checkpoint to the directory as a new file: O_EXCL refuses to open an existing name, so a
 * checkpoint already written is never overwritten (point the directory at append-only/WORM storage).
 */
export function writeCheckpointFile(dir: string, checkpoint: SignedCheckpoint): string {
  mkdirSync(dir, { recursive: true });
  const name = `checkpoint-${checkpoint.headSeq.toString().padStart(12, "0")}-${checkpoint.createdAt.toISOString().replaceAll(":", "")}.json`;
  const fd = openSync(path.join(dir, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
  try {
    writeSync(fd, `${JSON.stringify(checkpointToJson(checkpoint))}\n`);
  } finally {
    closeSync(fd);
  }
  return name;
}

export type CheckpointSet = { checkpoints: StoredCheckpoint[]; unreadable: string[] };

/** Every checkpoint kept in the database and in the directory (when given); unreadable files are named. */
export async function readCheckpoints(db: Db, dir?: string): Promise<CheckpointSet> {
  const rows = await db.auditCheckpoint.findMany({ orderBy: { id: "asc" } });
  const checkpoints: StoredCheckpoint[] = rows.map((row) => ({ headSeq: row.headSeq, headHash: row.headHash, eventCount: row.eventCount, createdAt: row.createdAt, keyId: row.keyId, signature: row.signature, source: `the database (checkpoint ${row.id})` }));
  const unreadable: string[] = [];
  if (dir) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith(".json")).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    for (const name of names) {
      let checkpoint: SignedCheckpoint | undefined;
      try {
        checkpoint = checkpointFromJson(JSON.parse(readFileSync(path.join(dir, name), "utf8")));
      } catch {
        checkpoint = undefined;
      }
      if (checkpoint) checkpoints.push({ ...checkpoint, source: `file ${name}` });
      else unreadable.push(name);
    }
  }
  return { checkpoints, unreadable };
}

/** Stores a signed checkpoint everywhere it is kept: the directory first (outside the database), then the table and the log. */
export async function storeCheckpoint(db: Db, checkpoint: SignedCheckpoint, options: { dir?: string; log: Logger }): Promise<void> {
  const file = options.dir ? writeCheckpointFile(options.dir, checkpoint) : undefined;
  await db.auditCheckpoint.create({ data: { headSeq: checkpoint.headSeq, headHash: checkpoint.headHash, eventCount: checkpoint.eventCount, createdAt: checkpoint.createdAt, keyId: checkpoint.keyId, signature: checkpoint.signature } });
  options.log.info({ auditCheckpoint: checkpointToJson(checkpoint), ...(file && { file }) }, "audit checkpoint signed");
}
