// The periodic checkpoint: verify the chain (against the earlier checkpoints), then sign its head. A broken
// chain is never signed, or the next checkpoint would vouch for the tampering. Run by the job worker, once per
// interval for the fleet (the audit-checkpoint task, lib/jobs/fleet-tasks.ts).
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { recordAuditChainCheck } from "./chain-status";
import { signCheckpoint, storeCheckpoint, type SignedCheckpoint } from "./checkpoint";
import type { AuditSigningKey } from "./checkpoint-key";
import { verifyAuditChain, type AuditChainStatus } from "./verify";

export type CheckpointOutcome =
  | { signed: SignedCheckpoint; status: AuditChainStatus }
  | { skipped: "broken" | "empty" | "unchanged"; status: AuditChainStatus };

export async function writeAuditCheckpoint(db: Db, options: { key: AuditSigningKey; dir?: string; log: Logger; now?: () => Date }): Promise<CheckpointOutcome> {
  const now = options.now ?? (() => new Date());
  const status = await verifyAuditChain(db, { key: options.key, checkpointDir: options.dir });
  await recordAuditChainCheck(db, status, now());
  if (!status.ok) {
    options.log.error({ firstBrokenSeq: status.firstBrokenSeq?.toString(), kind: status.kind, reason: status.reason }, "audit chain broken: no checkpoint signed");
    return { skipped: "broken", status };
  }
  if (status.head.seq === 0n) return { skipped: "empty", status };
  const latest = await db.auditCheckpoint.findFirst({ where: { keyId: options.key.keyId }, orderBy: { headSeq: "desc" }, select: { headSeq: true } });
  if (latest && latest.headSeq >= status.head.seq) return { skipped: "unchanged", status };
  const signed = signCheckpoint(options.key, { headSeq: status.head.seq, headHash: status.head.hash, eventCount: BigInt(status.checked), createdAt: now() });
  await storeCheckpoint(db, signed, { dir: options.dir, log: options.log });
  return { signed, status };
}

