import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { pino } from "pino";
import { childEnv, toolingEnv } from "../env";
import { createPrismaClient, type Db } from "../db/client";
import { createDisposableDatabase, type DisposableDatabase } from "../db/test-database";
import { auditHash, GENESIS_HASH, recordAudit } from "./log";
import { generateAuditSigningKeyText, parseAuditSigningKey } from "./checkpoint-key";
import { signCheckpoint } from "./checkpoint";
import { writeAuditCheckpoint } from "./checkpoint-job";
import { verifyAuditChain } from "./verify";

// Tampering needs a database of its own: the shared test database keeps an intact chain for other tests.
let database: DisposableDatabase;
let db: Db;
const keyText = generateAuditSigningKeyText();
const key = parseAuditSigningKey(keyText);
let checkpointDir: string;
const quiet = pino({ level: "silent" });
const checkpoint = () => writeAuditCheckpoint(db, { key, dir: checkpointDir, log: quiet });
const verifyAnchored = () => verifyAuditChain(db, { key, checkpointDir });

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

/** What an owner who bypasses the triggers does after a change: recompute every hash so the chain links again. */
async function rehashChain() {
  const rows = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
  let prevHash = GENESIS_HASH;
  for (const row of rows) {
    const hash = auditHash({ ...row, details: row.details as Record<string, unknown> | null, prevHash });
    await tamper(`UPDATE "AuditEvent" SET "prevHash" = $1, hash = $2 WHERE seq = $3`, [prevHash, hash, row.seq]);
    prevHash = hash;
  }
}

function runScript(env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], { env: childEnv({ DATABASE_URL: database.url, AUDIT_SIGNING_KEY: "", AUDIT_CHECKPOINT_DIR: "", ...env }), encoding: "utf8", timeout: 60_000 });
}

beforeAll(async () => {
  database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_audit");
  db = createPrismaClient(database.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
  if (checkpointDir) rmSync(checkpointDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await tamper(`TRUNCATE "AuditEvent", "AuditCheckpoint"; ALTER SEQUENCE "AuditEvent_seq_seq" RESTART WITH 1`);
  if (checkpointDir) rmSync(checkpointDir, { recursive: true, force: true });
  checkpointDir = mkdtempSync(path.join(tmpdir(), "cmk-audit-checkpoints-"));
});

describe("verifyAuditChain", () => {
  it("accepts an empty log and an intact chain", async () => {
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 0, checkpoints: 0 });
    await writeEvents(5);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 5, head: { seq: 5n } });
  });

  it("the database itself refuses to change or delete an event", async () => {
    await writeEvents(1);
    await expect(db.$executeRawUnsafe(`UPDATE "AuditEvent" SET reason = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only/);
  });

  it("refuses TRUNCATE too, to the table's owner as well, and keeps checkpoints append-only", async () => {
    await writeEvents(2);
    await checkpoint();
    await expect(db.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/AuditEvent is append-only: TRUNCATE/);
    await expect(db.$executeRawUnsafe(`UPDATE "AuditCheckpoint" SET "headSeq" = 1`)).rejects.toThrow(/AuditCheckpoint is append-only/);
    await expect(db.$executeRawUnsafe(`DELETE FROM "AuditCheckpoint"`)).rejects.toThrow(/AuditCheckpoint is append-only/);
    await expect(db.$executeRawUnsafe(`TRUNCATE "AuditCheckpoint"`)).rejects.toThrow(/AuditCheckpoint is append-only/);
    expect(await db.auditEvent.count()).toBe(2);
    expect(await db.auditCheckpoint.count()).toBe(1);
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
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2n, kind: "gap" });
  });

  it("detects a row whose predecessor link was changed", async () => {
    await writeEvents(3);
    await tamper(`UPDATE "AuditEvent" SET "prevHash" = repeat('b', 64) WHERE seq = 3`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 2, firstBrokenSeq: 3n, kind: "unlinked", reason: expect.stringContaining("does not link") });
  });

  it("detects rows cut off the end", async () => {
    await writeEvents(5);
    await tamper(`DELETE FROM "AuditEvent" WHERE seq >= 4`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 3, firstBrokenSeq: 4n, reason: expect.stringContaining("cut off") });
  });

  it("walks chains longer than one batch", async () => {
    await writeChainInBulk(1005);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 1005 });
    await tamper(`UPDATE "AuditEvent" SET "actorId" = 'someone-else' WHERE seq = 1002`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 1001, firstBrokenSeq: 1002n });
  });
});

// An owner (or superuser) can switch the triggers off and recompute every hash, so the chain alone cannot
// catch these; the signed checkpoints and the sequence can.
describe("tampering by the database owner, with hashes recomputed", () => {
  it("UPDATE: the rewritten event lies between the last matching checkpoint and the first that no longer matches", async () => {
    await writeEvents(2);
    expect(await checkpoint()).toMatchObject({ signed: { headSeq: 2n, eventCount: 2n } });
    await writeEvents(3);
    expect(await checkpoint()).toMatchObject({ signed: { headSeq: 5n, eventCount: 5n } });
    await tamper(`UPDATE "AuditEvent" SET reason = 'nothing to see' WHERE seq = 4`);
    await rehashChain();
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checkpoints: 0 });
    expect(await verifyAnchored()).toMatchObject({ ok: false, kind: "rewritten", firstBrokenSeq: 3n, checkpoints: 2, reason: expect.stringContaining("events after 2 were rewritten") });
  });

  it("DELETE in the middle: the gap in the sequence names the deleted event", async () => {
    await writeEvents(5);
    await tamper(`DELETE FROM "AuditEvent" WHERE seq = 2`);
    await rehashChain();
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, kind: "gap", checked: 1, firstBrokenSeq: 2n, reason: expect.stringContaining("event 2 is missing") });
  });

  it("DELETE of the newest events with the sequence wound back: the checkpoint still counts them", async () => {
    await writeEvents(5);
    await checkpoint();
    await tamper(`DELETE FROM "AuditEvent" WHERE seq >= 4; SELECT setval('"AuditEvent_seq_seq"', 3)`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    expect(await verifyAnchored()).toMatchObject({ ok: false, kind: "truncated", checked: 3, firstBrokenSeq: 4n, reason: expect.stringContaining("covers 5 events") });
  });

  it("TRUNCATE with the sequence restarted: the checkpoint still counts the events", async () => {
    await writeEvents(3);
    await checkpoint();
    await tamper(`TRUNCATE "AuditEvent"; ALTER SEQUENCE "AuditEvent_seq_seq" RESTART WITH 1`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 0 });
    expect(await verifyAnchored()).toMatchObject({ ok: false, kind: "truncated", firstBrokenSeq: 1n });
  });

  it("a full rewrite with the checkpoints in the database deleted and re-signed with another key: the copies outside the database catch it", async () => {
    await writeEvents(4);
    await checkpoint();
    await tamper(`TRUNCATE "AuditEvent", "AuditCheckpoint"; ALTER SEQUENCE "AuditEvent_seq_seq" RESTART WITH 1`);
    await writeEvents(4);
    await tamper(`UPDATE "AuditEvent" SET reason = 'rewritten by the owner'`);
    await rehashChain();
    const head = await db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    const ownKey = parseAuditSigningKey(generateAuditSigningKeyText());
    const forged = signCheckpoint(ownKey, { headSeq: head.seq, headHash: head.hash, eventCount: 4n, createdAt: new Date() });
    await db.auditCheckpoint.create({ data: { ...forged } });
    expect(await verifyAuditChain(db, { key })).toMatchObject({ ok: true, checkpoints: 0 });
    expect(await verifyAnchored()).toMatchObject({ ok: false, kind: "rewritten", firstBrokenSeq: 1n, checkpoints: 1 });
  });

  it("a checkpoint that claims the key's id without its signature is reported as forged", async () => {
    await writeEvents(2);
    await checkpoint();
    const head = await db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    await db.auditCheckpoint.create({ data: { headSeq: head.seq, headHash: head.hash, eventCount: 2n, createdAt: new Date(), keyId: key.keyId, signature: Buffer.alloc(64).toString("base64") } });
    expect(await verifyAnchored()).toMatchObject({ ok: false, kind: "forged-checkpoint", reason: expect.stringContaining("not its signature") });
    writeFileSync(path.join(checkpointDir, "checkpoint-zzz.json"), "{}");
    expect(await verifyAuditChain(db, { key, checkpointDir })).toMatchObject({ ok: false, kind: "forged-checkpoint" });
  });
});

describe("writeAuditCheckpoint", () => {
  it("signs the verified head once, into the table and a new read-only file, and never signs a broken chain", async () => {
    expect(await checkpoint()).toMatchObject({ skipped: "empty" });
    await writeEvents(3);
    const first = await checkpoint();
    expect(first).toMatchObject({ signed: { headSeq: 3n, keyId: key.keyId } });
    expect(await checkpoint()).toMatchObject({ skipped: "unchanged" });
    expect(readdirSync(checkpointDir)).toEqual([expect.stringMatching(/^checkpoint-000000000003-.*\.json$/)]);
    expect(await db.auditChainCheck.findUniqueOrThrow({ where: { name: "audit-chain" } })).toMatchObject({ ok: true, checked: 3, checkpoints: 1 });
    await tamper(`UPDATE "AuditEvent" SET reason = 'x' WHERE seq = 2`);
    await writeEvents(1);
    expect(await checkpoint()).toMatchObject({ skipped: "broken", status: { firstBrokenSeq: 2n } });
    expect(await db.auditCheckpoint.count()).toBe(1);
    expect(await db.auditChainCheck.findUniqueOrThrow({ where: { name: "audit-chain" } })).toMatchObject({ ok: false, firstBrokenSeq: 2n });
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

  it("with the key and the checkpoint copies, reports a rewrite that the chain alone hides", async () => {
    await writeEvents(3);
    await checkpoint();
    await tamper(`UPDATE "AuditEvent" SET action = 'test.renamed' WHERE seq = 2`);
    await rehashChain();
    const unanchored = runScript();
    expect(unanchored.status, unanchored.stderr).toBe(0);
    expect(unanchored.stderr).toContain("AUDIT_SIGNING_KEY is not set");
    const anchored = runScript({ AUDIT_SIGNING_KEY: keyText, AUDIT_CHECKPOINT_DIR: checkpointDir });
    expect(anchored.status, anchored.stdout).toBe(2);
    expect(anchored.stderr).toContain("Audit log broken at event 1 (rewritten)");
  }, 60_000);
});
