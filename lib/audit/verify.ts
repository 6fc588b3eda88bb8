// Re-computes the audit hash chain from the stored rows. A changed row no longer matches its own hash; a
// deleted row leaves its successor pointing at a hash that is not its predecessor's; rows cut off the end
// leave the id sequence ahead of the last row.
import type { Db } from "../db/client";
import { auditHash, GENESIS_HASH } from "./log";
import type { ActorType, AuditResult } from "../db/generated/prisma/enums";

export type AuditChainStatus = { ok: boolean; checked: number; firstBrokenSeq?: bigint; reason?: string };

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

/** Checks one stored row against the hash of its predecessor; a reason when it does not hold. */
export function checkAuditRow(row: Row, expectedPrevHash: string): string | undefined {
  if (row.prevHash !== expectedPrevHash) {
    return `event ${row.seq} does not link to the event before it: an event was deleted or changed before it`;
  }
  const recomputed = auditHash({ ...row, details: (row.details ?? null) as Record<string, unknown> | null, prevHash: row.prevHash });
  if (recomputed !== row.hash) return `event ${row.seq} was changed after it was written (its content no longer matches its hash)`;
  return undefined;
}

/** Walks the whole chain in order of seq (in batches, so millions of events stay within memory). */
export async function verifyAuditChain(database: Db): Promise<AuditChainStatus> {
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let after: bigint | undefined;
  let lastSeq: bigint | undefined;
  for (;;) {
    const rows: Row[] = await database.auditEvent.findMany({
      where: after === undefined ? {} : { seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: BATCH,
    });
    for (const row of rows) {
      const problem = checkAuditRow(row, expectedPrev);
      if (problem) return { ok: false, checked, firstBrokenSeq: row.seq, reason: problem };
      expectedPrev = row.hash;
      checked += 1;
      lastSeq = row.seq;
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.seq;
  }
  const truncated = await missingTail(database, lastSeq);
  if (truncated) return { ok: false, checked, firstBrokenSeq: truncated, reason: `events from ${truncated} on are missing: the log was cut off after event ${lastSeq ?? "0"}` };
  return { ok: true, checked };
}

/**
 * Events are written one at a time under an advisory lock, so the id sequence only runs ahead of the
 * newest row when rows were removed from the end.
 */
async function missingTail(database: Db, lastSeq: bigint | undefined): Promise<bigint | undefined> {
  const [sequence] = await database.$queryRaw<{ last_value: bigint; is_called: boolean }[]>`
    select last_value, is_called from "AuditEvent_seq_seq"`;
  if (!sequence?.is_called) return undefined;
  const newest = lastSeq ?? 0n;
  return BigInt(sequence.last_value) > newest ? newest + 1n : undefined;
}
