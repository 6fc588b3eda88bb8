// Idempotency-Key for /api/v1 POSTs (draft-ietf-httpapi-idempotency-key-header): the first request with a key runs;
// a retry with the same key and the same request gets the stored response; the same key with another request is
// refused (422); a duplicate that arrives while the first still runs is told to retry (409). The primary key makes
// concurrent duplicates safe: exactly one INSERT wins. Only successful responses are kept, so a request that failed
// (say, the role assignment had not applied yet) can be retried with the same key once its cause is fixed.
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { AppError } from "../errors";

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export type StoredResponse = { status: number; body: unknown };
export type IdempotencyOutcome = { kind: "ran"; response: StoredResponse } | { kind: "replayed"; response: StoredResponse };

/** JSON with sorted keys: the same request written in another key order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256").update(`${method.toUpperCase()} ${path}\n${canonical(body)}`).digest("hex");
}

export function validIdempotencyKey(key: string): boolean {
  return KEY_FORMAT.test(key);
}

/** The key's row id: per caller (tenant and object id), so two callers' keys never meet. */
function rowId(callerKey: string, key: string): string {
  return createHash("sha256").update(`${callerKey}\n${key}`).digest("hex");
}

export async function runIdempotently(
  db: Db,
  input: { callerKey: string; key: string; fingerprint: string; ttlHours: number; now?: Date },
  run: () => Promise<StoredResponse>,
): Promise<IdempotencyOutcome> {
  const now = input.now ?? new Date();
  const id = rowId(input.callerKey, input.key);
  // An expired key is free again; expired rows of other keys go too (indexed, cheap).
  await db.apiIdempotencyKey.deleteMany({ where: { expiresAt: { lt: now } } });
  const claimed = await db.apiIdempotencyKey.createMany({
    data: [{ id, requestHash: input.fingerprint, createdAt: now, expiresAt: new Date(now.getTime() + input.ttlHours * 3_600_000) }],
    skipDuplicates: true,
  });
  if (claimed.count === 0) {
    const row = await db.apiIdempotencyKey.findUnique({ where: { id } });
    if (!row) throw new AppError("CONFLICT", "A request with this Idempotency-Key just finished without a stored result.", { fix: "Send the request again." });
    if (row.requestHash !== input.fingerprint) {
      throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used for a different request.", { fix: "Use a new Idempotency-Key for a new request; reuse a key only to retry the very same request." });
    }
    if (row.responseStatus === null) {
      throw new AppError("CONFLICT", "A request with this Idempotency-Key is still running.", { fix: "Retry in a moment: you then get its result." });
    }
    return { kind: "replayed", response: { status: row.responseStatus, body: row.responseBody } };
  }
  let response: StoredResponse;
  try {
    response = await run();
  } catch (error) {
    await db.apiIdempotencyKey.deleteMany({ where: { id, responseStatus: null } });
    throw error;
  }
  if (response.status >= 200 && response.status < 300) {
    await db.apiIdempotencyKey.update({ where: { id }, data: { responseStatus: response.status, responseBody: (response.body ?? Prisma.JsonNull) as Prisma.InputJsonValue } });
  } else {
    await db.apiIdempotencyKey.deleteMany({ where: { id, responseStatus: null } });
  }
  return { kind: "ran", response };
}
