import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolingEnv } from "../env";
import { createPrismaClient, type Db } from "../db/client";
import { createDisposableDatabase, type DisposableDatabase } from "../db/test-database";
import { auditHash, GENESIS_HASH, recordAudit } from "./log";
import { verifyAuditChain } from "./verify";

// A database of its own: the test counts every event in the chain.
let database: DisposableDatabase;
let writers: Db[];

beforeAll(async () => {
  database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_audit_append");
  // Two clients with their own pools, as two processes (web and worker) would append.
  writers = [createPrismaClient(database.url), createPrismaClient(database.url)];
}, 120_000);

afterAll(async () => {
  await Promise.all(writers.map((db) => db.$disconnect()));
  await database.drop();
});

describe("appending to the audit chain in the database", () => {
  it("links every concurrent append from two clients to exactly one predecessor, with the hash verify recomputes", async () => {
    const appends = Array.from({ length: 60 }, (_, i) =>
      recordAudit(writers[i % 2]!, {
        actorType: "SYSTEM",
        actorId: `writer-${i % 2}`,
        action: "test.append",
        result: "SUCCESS",
        targetId: `event-${i}`,
        details: { i, note: "naïve ünïcode ✓", nested: { b: 2, a: [1, null] } },
      }),
    );
    const hashes = await Promise.all(appends);
    const rows = await writers[0]!.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows).toHaveLength(60);
    expect(new Set(hashes)).toEqual(new Set(rows.map((row) => row.hash)));
    let prev = GENESIS_HASH;
    for (const row of rows) {
      expect(row.prevHash).toBe(prev);
      // The database's sha256 over the canonical text equals the product's own auditHash of the stored row.
      const { seq: _seq, hash, ...fields } = row;
      expect(hash).toBe(auditHash({ ...fields, details: fields.details as Record<string, unknown> | null }));
      prev = hash;
    }
    const status = await verifyAuditChain(writers[1]!);
    expect(status.ok).toBe(true);
    expect(status.checked).toBe(60);
  }, 60_000);
});
