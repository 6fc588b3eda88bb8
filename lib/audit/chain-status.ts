// The last walk of the audit chain, kept in the database with its time. The fleet walks it on a schedule (the
// audit-chain-verify task in lib/jobs/fleet-tasks.ts, once per period for all workers); web instances only
// read the stored result, so a dashboard shows when the chain was last verified and never walks it itself.
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { verifyAuditChain, type AuditChainStatus, type VerifyOptions } from "./verify";

const CHECK_NAME = "audit-chain";

export type StoredAuditChainCheck = Pick<AuditChainStatus, "ok" | "checked" | "firstBrokenSeq" | "reason" | "checkpoints" | "lastCheckpointAt"> & { checkedAt: Date };

export async function recordAuditChainCheck(db: Db, status: AuditChainStatus, checkedAt: Date): Promise<StoredAuditChainCheck> {
  const fields = { checkedAt, ok: status.ok, checked: status.checked, firstBrokenSeq: status.firstBrokenSeq ?? null, reason: status.reason ?? null, checkpoints: status.checkpoints, lastCheckpointAt: status.lastCheckpointAt ?? null };
  await db.auditChainCheck.upsert({ where: { name: CHECK_NAME }, create: { name: CHECK_NAME, ...fields }, update: fields });
  return toStored(fields);
}

/** The stored check as one JSON value (times as epoch milliseconds, the sequence as text), for lib/dashboard/snapshot.ts. */
export const LAST_AUDIT_CHAIN_CHECK_COLUMN = Prisma.sql`(SELECT json_build_object('checkedAt', (EXTRACT(EPOCH FROM "checkedAt") * 1000)::float8, 'ok', ok, 'checked', checked,
    'firstBrokenSeq', "firstBrokenSeq"::text, 'reason', reason, 'checkpoints', checkpoints, 'lastCheckpointAt', (EXTRACT(EPOCH FROM "lastCheckpointAt") * 1000)::float8)
  FROM "AuditChainCheck" WHERE name = ${CHECK_NAME})`;

export function toStoredAuditChainCheck(value: unknown): StoredAuditChainCheck | null {
  if (!value) return null;
  const row = value as { checkedAt: number; ok: boolean; checked: number; firstBrokenSeq: string | null; reason: string | null; checkpoints: number; lastCheckpointAt: number | null };
  return toStored({ ...row, checkedAt: new Date(row.checkedAt), firstBrokenSeq: row.firstBrokenSeq === null ? null : BigInt(row.firstBrokenSeq), lastCheckpointAt: row.lastCheckpointAt === null ? null : new Date(row.lastCheckpointAt) });
}

export async function lastAuditChainCheck(db: Db): Promise<StoredAuditChainCheck | null> {
  const [row] = await db.$queryRaw<{ check: unknown }[]>`SELECT ${LAST_AUDIT_CHAIN_CHECK_COLUMN} AS check`;
  return toStoredAuditChainCheck(row?.check);
}

function toStored(row: { checkedAt: Date; ok: boolean; checked: number; firstBrokenSeq: bigint | null; reason: string | null; checkpoints: number; lastCheckpointAt: Date | null }): StoredAuditChainCheck {
  return {
    checkedAt: row.checkedAt,
    ok: row.ok,
    checked: row.checked,
    checkpoints: row.checkpoints,
    ...(row.firstBrokenSeq !== null && { firstBrokenSeq: row.firstBrokenSeq }),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.lastCheckpointAt !== null && { lastCheckpointAt: row.lastCheckpointAt }),
  };
}


/** Walks the chain (against the signed checkpoints, when a key is given) and stores the result. */
export async function verifyAndRecordAuditChain(db: Db, options: VerifyOptions, checkedAt: Date = new Date()): Promise<StoredAuditChainCheck> {
  return recordAuditChainCheck(db, await verifyAuditChain(db, options), checkedAt);
}
