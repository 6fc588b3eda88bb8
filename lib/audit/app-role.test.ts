// The privilege split, on the real local PostgreSQL: the migrations (run as the owner) create the cmk_app
// role; the app, connected as that role, can append to the audit log and read it, and nothing more.
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../db/client";
import { openQueue } from "../jobs/queue";
import { scheduleQueueName } from "../jobs/schedules";
import { testDatabaseUrl } from "../testing/db";
import { generateAuditSigningKeyText, parseAuditSigningKey } from "./checkpoint-key";
import { writeAuditCheckpoint } from "./checkpoint-job";
import { recordAudit } from "./log";
import { verifyAuditChain } from "./verify";

/** The test database, entered as the app role (its login would be a member of cmk_app; here we SET ROLE at connect). */
function asAppRole(): string {
  const url = new URL(testDatabaseUrl());
  url.searchParams.set("options", "-c role=cmk_app");
  return url.toString();
}

let client: pg.Client;
let appDb: Db;

beforeAll(async () => {
  client = new pg.Client({ connectionString: asAppRole() });
  await client.connect();
  appDb = createPrismaClient(asAppRole());
});

afterAll(async () => {
  await client?.end();
  await appDb?.$disconnect();
});

describe("the app role cmk_app", () => {
  it("is who the connection runs as, and is not the owner", async () => {
    const { rows } = await client.query<{ role: string; owner: string }>(`SELECT current_user AS role, (SELECT tableowner FROM pg_tables WHERE tablename = 'AuditEvent') AS owner`);
    expect(rows[0]!.role).toBe("cmk_app");
    expect(rows[0]!.owner).not.toBe("cmk_app");
  });

  it("appends to the audit log, reads and verifies it, and signs checkpoints", async () => {
    for (let i = 0; i < 3; i += 1) await recordAudit(appDb, { actorType: "SYSTEM", actorId: "app-role-test", action: `test.app_role_${i}`, result: "SUCCESS" });
    expect(await verifyAuditChain(appDb)).toMatchObject({ ok: true, checked: 3 });
    const key = parseAuditSigningKey(generateAuditSigningKeyText());
    expect(await writeAuditCheckpoint(appDb, { key, log: pino({ level: "silent" }) })).toMatchObject({ signed: { headSeq: 3n } });
  });

  it("runs the job queue, which the migrations installed as the owner, with reads and writes only", async () => {
    const boss = await openQueue({ connectionString: asAppRole(), poolSize: 1, role: "worker" });
    const AUDIT_CHECKPOINT_QUEUE = scheduleQueueName("audit-checkpoint");
    try {
      expect(await boss.send(AUDIT_CHECKPOINT_QUEUE, {}, { singletonKey: "app-role-test", singletonSeconds: 60 })).toEqual(expect.any(String));
      const [message] = await boss.fetch(AUDIT_CHECKPOINT_QUEUE);
      expect(message).toBeDefined();
      await boss.complete(AUDIT_CHECKPOINT_QUEUE, message!.id);
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });

  it.each([
    ["UPDATE", `UPDATE "AuditEvent" SET reason = 'x'`, /permission denied for table AuditEvent/],
    ["DELETE", `DELETE FROM "AuditEvent"`, /permission denied for table AuditEvent/],
    ["TRUNCATE", `TRUNCATE "AuditEvent"`, /permission denied for table AuditEvent/],
    ["ALTER (switching the triggers off)", `ALTER TABLE "AuditEvent" DISABLE TRIGGER ALL`, /must be owner of table AuditEvent/],
    ["DROP", `DROP TABLE "AuditEvent"`, /must be owner of table AuditEvent/],
    ["winding the sequence back", `SELECT setval('"AuditEvent_seq_seq"', 1)`, /permission denied for sequence AuditEvent_seq_seq/],
    ["UPDATE of a checkpoint", `UPDATE "AuditCheckpoint" SET "headSeq" = 0`, /permission denied for table AuditCheckpoint/],
    ["DELETE of a checkpoint", `DELETE FROM "AuditCheckpoint"`, /permission denied for table AuditCheckpoint/],
    ["TRUNCATE of the checkpoints", `TRUNCATE "AuditCheckpoint"`, /permission denied for table AuditCheckpoint/],
    ["DDL in the application schema", `CREATE TABLE "Shadow" (id int)`, /permission denied for schema public/],
    ["DDL in the job queue's schema", `CREATE TABLE pgboss.shadow (id int)`, /permission denied for schema pgboss/],
    ["rewriting the migration history", `DELETE FROM "_prisma_migrations"`, /permission denied for table _prisma_migrations/],
  ])("is refused %s", async (_what, sql, refusal) => {
    await expect(client.query(sql)).rejects.toThrow(refusal);
    expect((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "AuditEvent"`)).rows[0]!.n).not.toBe("0");
  });
});
