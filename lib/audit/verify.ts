// Re-computes the audit hash chain from the stored rows and holds it against the signed checkpoints. A
// changed row no longer matches its own hash; a deleted row leaves its successor pointing at a hash that is
// not its predecessor's, or (re-hashed) a gap in the sequence; rows cut off the end leave the id sequence or
// a checkpoint ahead of the last row; and a chain rewritten with recomputed hashes no longer ends in the hash
// a checkpoint signed (the database owner can bypass the triggers, but not sign).
import type { Db } from "../db/client";
import type { ActorType, AuditResult } from "../db/generated/prisma/enums";
import { checkpointSignatureValid, readCheckpoints, type StoredCheckpoint } from "./checkpoint";
import type { AuditSigningKey } from "./checkpoint-key";
import { auditHash, GENESIS_HASH } from "./log";

export type AuditBreak = "changed" | "unlinked" | "gap" | "rewritten" | "truncated" | "forged-checkpoint";

export type AuditChainStatus = {
  ok: boolean;
  /** Events verified (before the first broken one). */
  checked: number;
  firstBrokenSeq?: bigint;
  kind?: AuditBreak;
  reason?: string;
  /** The newest verified event: what the next checkpoint signs. */
  head: { seq: bigint; hash: string };
  /** Signed checkpoints the chain was held against (0 without a key: then a full rewrite goes unnoticed). */
  checkpoints: number;
  lastCheckpointAt?: Date;
};

export type VerifyOptions = {
  /** Checkpoints count only when signed with this key. */
  key?: AuditSigningKey;
  /** AUDIT_CHECKPOINT_DIR: copies of the checkpoints outside the database. */
  checkpointDir?: string;
};

const BATCH = 1000;

type Row = {
  seq: bigint;
  occurredAt: Date;
  actorType: ActorType;
  actorId: string;
  actorTenantId: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  customerTenantId: string | null;
  reason: string | null;
  result: AuditResult;
  requestId: string | null;
  details: unknown;
  prevHash: string;
  hash: string;
};

type Problem = { kind: AuditBreak; reason: string };

/** Checks one stored row against the hash of its predecessor; the problem when it does not hold. */
export function checkAuditRow(row: Row, expectedPrevHash: string): Problem | undefined {
  if (row.prevHash !== expectedPrevHash) {
    return { kind: "unlinked", reason: `event ${row.seq} does not link to the event before it: an event was deleted or changed before it` };
  }
  const recomputed = auditHash({ ...row, details: (row.details ?? null) as Record<string, unknown> | null, prevHash: row.prevHash });
  if (recomputed !== row.hash) return { kind: "changed", reason: `event ${row.seq} was changed after it was written (its content no longer matches its hash)` };
  return undefined;
}

const at = (d: Date) => d.toISOString();

/** Checkpoints signed with the key, oldest head first; a forgery (our key id, a bad signature) is a break. */
async function trustedCheckpoints(database: Db, options: VerifyOptions): Promise<{ trusted: StoredCheckpoint[]; problem?: Problem }> {
  if (!options.key) return { trusted: [] };
  const { checkpoints, unreadable } = await readCheckpoints(database, options.checkpointDir);
  if (unreadable.length) return { trusted: [], problem: { kind: "forged-checkpoint", reason: `checkpoint file ${unreadable[0]} is not a signed checkpoint: someone wrote into the checkpoint directory` } };
  const trusted: StoredCheckpoint[] = [];
  const seen = new Set<string>();
  for (const checkpoint of checkpoints) {
    // Another key's checkpoints (before a key rotation) cannot be checked with this one: they are not used.
    if (checkpoint.keyId !== options.key.keyId) continue;
    if (!checkpointSignatureValid(options.key, checkpoint)) {
      return { trusted: [], problem: { kind: "forged-checkpoint", reason: `the checkpoint in ${checkpoint.source} for event ${checkpoint.headSeq} carries this key's id but not its signature: it was forged or altered` } };
    }
    // The table and the directory hold copies of the same statements: count each once.
    if (seen.has(checkpoint.signature)) continue;
    seen.add(checkpoint.signature);
    trusted.push(checkpoint);
  }
  trusted.sort((a, b) => (a.headSeq < b.headSeq ? -1 : a.headSeq > b.headSeq ? 1 : 0));
  return { trusted };
}

/** Walks the whole chain in order of seq (in batches, so millions of events stay within memory). */
export async function verifyAuditChain(database: Db, options: VerifyOptions = {}): Promise<AuditChainStatus> {
  const { trusted, problem: checkpointProblem } = await trustedCheckpoints(database, options);
  const lastCheckpointAt = trusted.reduce<Date | undefined>((newest, c) => (!newest || c.createdAt > newest ? c.createdAt : newest), undefined);
  const summary = { checkpoints: trusted.length, ...(lastCheckpointAt && { lastCheckpointAt }) };
  let head = { seq: 0n, hash: GENESIS_HASH };
  let checked = 0;
  const broken = (seq: bigint | undefined, problem: Problem): AuditChainStatus => ({ ok: false, checked, ...(seq !== undefined && { firstBrokenSeq: seq }), ...problem, head, ...summary });
  if (checkpointProblem) return broken(undefined, checkpointProblem);

  // The highest event a matching checkpoint vouches for: a rewrite can only have started after it.
  let vouchedUpTo = 0n;
  let next = 0;
  const holdAgainstCheckpoints = (): Problem | undefined => {
    for (; next < trusted.length && trusted[next]!.headSeq <= head.seq; next += 1) {
      const checkpoint = trusted[next]!;
      if (checkpoint.headSeq === head.seq && checkpoint.headHash === head.hash && checkpoint.eventCount === BigInt(checked)) {
        vouchedUpTo = head.seq;
        continue;
      }
      return {
        kind: "rewritten",
        reason: `the chain no longer matches the checkpoint signed at ${at(checkpoint.createdAt)} for event ${checkpoint.headSeq} (${checkpoint.source}): events after ${vouchedUpTo} were rewritten and their hashes recomputed`,
      };
    }
    return undefined;
  };
  const atStart = holdAgainstCheckpoints();
  if (atStart) return broken(1n, atStart);

  let after: bigint | undefined;
  for (;;) {
    const rows: Row[] = await database.auditEvent.findMany({ where: after === undefined ? {} : { seq: { gt: after } }, orderBy: { seq: "asc" }, take: BATCH });
    for (const row of rows) {
      if (row.seq !== head.seq + 1n) {
        const missing = row.seq - 1n === head.seq + 1n ? `event ${head.seq + 1n} is` : `events ${head.seq + 1n} to ${row.seq - 1n} are`;
        return broken(head.seq + 1n, { kind: "gap", reason: `${missing} missing: the sequence jumps from ${head.seq} to ${row.seq} (events were deleted and the chain re-hashed around them)` });
      }
      const problem = checkAuditRow(row, head.hash);
      if (problem) return broken(row.seq, problem);
      head = { seq: row.seq, hash: row.hash };
      checked += 1;
      const rewritten = holdAgainstCheckpoints();
      if (rewritten) return broken(vouchedUpTo + 1n, rewritten);
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.seq;
  }

  const beyond = trusted.at(-1);
  if (beyond && beyond.headSeq > head.seq) {
    return broken(head.seq + 1n, { kind: "truncated", reason: `the log ends at event ${head.seq} but the checkpoint signed at ${at(beyond.createdAt)} (${beyond.source}) covers ${beyond.headSeq} events: the events after ${head.seq} were deleted` });
  }
  const cutOff = await missingTail(database, head.seq);
  if (cutOff) return broken(cutOff, { kind: "truncated", reason: `events from ${cutOff} on are missing: the log was cut off after event ${head.seq}` });
  return { ok: true, checked, head, ...summary };
}

/**
 * Events are written one at a time under an advisory lock, so the id sequence only runs ahead of the
 * newest row when rows were removed from the end.
 */
async function missingTail(database: Db, lastSeq: bigint): Promise<bigint | undefined> {
  const [sequence] = await database.$queryRaw<{ last_value: bigint; is_called: boolean }[]>`
    select last_value, is_called from "AuditEvent_seq_seq"`;
  if (!sequence?.is_called) return undefined;
  return BigInt(sequence.last_value) > lastSeq ? lastSeq + 1n : undefined;
}
