// Append-only, hash-chained audit log: each event's hash covers its content and its predecessor's hash,
// so changing or deleting any row breaks the chain (see verifyAuditChain).
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import type { ActorType, AuditResult } from "../db/generated/prisma/enums";

export const GENESIS_HASH = "0".repeat(64);
// Serialises writers so that each event links to exactly one predecessor.
const AUDIT_CHAIN_LOCK = 727_001;

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

export function auditHash(fields: HashedFields): string {
  return createHash("sha256").update(fields.prevHash).update(canonical(storedFields(fields))).digest("hex");
}

export async function recordAudit(db: Db, input: AuditInput): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
    const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
    const prevHash = last?.hash ?? GENESIS_HASH;
    // Millisecond precision: what PostgreSQL stores is what we hash.
    const occurredAt = new Date();
    const hash = auditHash({ ...input, occurredAt, prevHash });
    const { details, ...fields } = storedFields({ ...input, occurredAt });
    await tx.auditEvent.create({
      data: { ...fields, details: (details ?? undefined) as object | undefined, prevHash, hash },
    });
  });
}
