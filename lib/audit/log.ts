// Append-only, hash-chained audit log: each event's hash covers its content and its predecessor's hash,
// so changing or deleting any row breaks the chain (see verifyAuditChain).
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import type { ActorType, AuditResult } from "../db/generated/prisma/enums";

export const GENESIS_HASH = "0".repeat(64);
/**
 * The chain's advisory lock: audit_append (migration 20261127152351) takes it, and so does every other writer of
 * the chain (the bulk demo seed), so each event links to exactly one predecessor. log.test.ts checks that the
 * migration's function uses this number.
 */
export const AUDIT_CHAIN_LOCK = 727_001;

export type AuditInput = {
  actorType: ActorType;
  actorId: string;
  actorTenantId?: string | null;
  actorRole?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  customerTenantId?: string | null;
  reason?: string | null;
  result: AuditResult;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
};

type HashedFields = AuditInput & { occurredAt: Date; prevHash: string };

function canonical(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The event as stored (nulls for what was not given); the hash covers exactly these fields. */
function storedFields(fields: AuditInput & { occurredAt: Date }) {
  return {
    occurredAt: fields.occurredAt,
    actorType: fields.actorType,
    actorId: fields.actorId,
    actorTenantId: fields.actorTenantId ?? null,
    actorRole: fields.actorRole ?? null,
    action: fields.action,
    targetType: fields.targetType ?? null,
    targetId: fields.targetId ?? null,
    customerTenantId: fields.customerTenantId ?? null,
    reason: fields.reason ?? null,
    result: fields.result,
    requestId: fields.requestId ?? null,
    details: fields.details ?? null,
  };
}

/** The text the hash covers besides the predecessor's hash. */
function canonicalText(fields: AuditInput & { occurredAt: Date }): string {
  return canonical(storedFields(fields));
}

export function auditHash(fields: HashedFields): string {
  return createHash("sha256").update(fields.prevHash).update(canonicalText(fields)).digest("hex");
}

/**
 * Appends one event to the chain. The database links it to the head under the chain lock, in one statement
 * (audit_append, migration 20261127152351): the lock is never held across round trips to this process, so a
 * busy worker cannot keep every other writer waiting. The hash is the same sha256(prevHash || canonical text)
 * that auditHash computes and verify checks. Returns the event's hash.
 */
/** `db`: the client, or a transaction the event must commit (or roll back) with. */
export async function recordAudit(db: Pick<Db, "$queryRaw">, input: AuditInput): Promise<string> {
  // Millisecond precision: what PostgreSQL stores is what we hash.
  const occurredAt = new Date();
  const stored = storedFields({ ...input, occurredAt });
  const text = canonicalText({ ...input, occurredAt });
  const details = stored.details === null ? null : JSON.stringify(stored.details);
  const rows = await db.$queryRaw<{ hash: string }[]>`select audit_append(
    ${occurredAt.toISOString()}::timestamp(3), ${stored.actorType}::"ActorType", ${stored.actorId}, ${stored.actorTenantId}, ${stored.actorRole},
    ${stored.action}, ${stored.targetType}, ${stored.targetId}, ${stored.customerTenantId}::uuid, ${stored.reason},
    ${stored.result}::"AuditResult", ${stored.requestId}, ${details}::jsonb, ${text}
  ) as hash`;
  return rows[0]!.hash;
}
