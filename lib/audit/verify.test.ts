import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { childEnv, toolingEnv } from "../env";
import { createPrismaClient, type Db } from "../db/client";
import { createDisposableDatabase, type DisposableDatabase } from "../db/test-database";
import { auditHash, GENESIS_HASH, recordAudit } from "./log";
import { verifyAuditChain } from "./verify";

// Tampering needs a database of its own: the shared test database keeps an intact chain for other tests.
let database: DisposableDatabase;
let db: Db;

/** What someone with direct database access could do: switch the append-only trigger off and edit rows. */
async function tamper(sql: string, params: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL session_replication_role = replica");
    await client.query(sql, params);
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

async function writeEvents(count: number) {
  for (let i = 1; i <= count; i += 1) {
    await recordAudit(db, {
      actorType: i % 2 ? "STAFF" : "CUSTOMER",
      actorId: `user-${i}`,
      actorTenantId: "11111111-1111-4111-8111-111111111111",
      actorRole: "Support",
      action: `test.action_${i}`,
      targetType: "customerTenant",
      targetId: `target-${i}`,
      reason: i === 3 ? "customer asked for it" : null,
      result: "SUCCESS",
      requestId: `req-${i}`,
      details: { n: i, nested: { z: 1, a: [1, "two", null] } },
    });
  }
}

/** A long chain written in one go (recordAudit's one transaction per event is slow for a thousand). */
async function writeChainInBulk(count: number) {
  let prevHash = GENESIS_HASH;
  const start = Date.now();
  const rows = Array.from({ length: count }, (_, i) => {
    const fields = { occurredAt: new Date(start + i), actorType: "SYSTEM" as const, actorId: "bulk", action: "test.bulk", result: "SUCCESS" as const, details: { i } };
    const hash = auditHash({ ...fields, prevHash });
    const row = { ...fields, prevHash, hash };
    prevHash = hash;
    return row;
  });
  await db.auditEvent.createMany({ data: rows });
}

function runScript() {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], { env: childEnv({ DATABASE_URL: database.url }), encoding: "utf8", timeout: 60_000 });
}

beforeAll(async () => {
  database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_audit");
  db = createPrismaClient(database.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

beforeEach(async () => {
  await tamper(`TRUNCATE "AuditEvent"; ALTER SEQUENCE "AuditEvent_seq_seq" RESTART WITH 1`);
});

describe("verifyAuditChain", () => {
  it("accepts an empty log and an intact chain", async () => {
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 0 });
    await writeEvents(5);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 5 });
  });

  it("the database itself refuses to change or delete an event", async () => {
    await writeEvents(1);
    await expect(db.$executeRawUnsafe(`UPDATE "AuditEvent" SET reason = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only/);
  });

  it("detects a changed row and names it as the first broken event", async () => {
    await writeEvents(5);
    await tamper(`UPDATE "AuditEvent" SET reason = 'nothing to see' WHERE seq = 3`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 2, firstBrokenSeq: 3n, reason: expect.stringContaining("was changed") });
  });

  it("detects a change hidden in the JSON details", async () => {
    await writeEvents(4);
    await tamper(`UPDATE "AuditEvent" SET details = jsonb_set(details, '{n}', '99') WHERE seq = 4`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBrokenSeq: 4n });
  });

  it("detects a row whose hash was re-computed after the change (its successor no longer links)", async () => {
    await writeEvents(4);
    await tamper(`UPDATE "AuditEvent" SET result = 'FAILURE', hash = repeat('a', 64) WHERE seq = 2`);
    const status = await verifyAuditChain(db);
    expect(status).toMatchObject({ ok: false, firstBrokenSeq: 2n });
  });

  it("detects a deleted row in the middle", async () => {
    await writeEvents(5);
    await tamper(`DELETE FROM "AuditEvent" WHERE seq = 2`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 3n, reason: expect.stringContaining("does not link") });
  });

  it("detects rows cut off the end", async () => {
    await writeEvents(5);
    await tamper(`DELETE FROM "AuditEvent" WHERE seq >= 4`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 3, firstBrokenSeq: 4n, reason: expect.stringContaining("cut off") });
  });

  it("walks chains longer than one batch", async () => {
    await writeChainInBulk(1005);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 1005 });
    await tamper(`UPDATE "AuditEvent" SET "actorId" = 'someone-else' WHERE seq = 1002`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 1001, firstBrokenSeq: 1002n });
  });
});

describe("npm run audit:verify", () => {
  it("exits 0 on an intact log and 2 with the first broken event after tampering", async () => {
    await writeEvents(3);
    const intact = runScript();
    expect(intact.status, intact.stderr).toBe(0);
    expect(intact.stdout).toContain("Audit log intact: 3 events verified");
    await tamper(`UPDATE "AuditEvent" SET action = 'test.renamed' WHERE seq = 2`);
    const broken = runScript();
    expect(broken.status, broken.stdout).toBe(2);
    expect(broken.stderr).toContain("Audit log broken at event 2");
  }, 60_000);
});
