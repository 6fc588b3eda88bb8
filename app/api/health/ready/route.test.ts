import { mkdtempSync, mkdirSync, rmSync, writeFileSync, cpSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedMigrations, schemaStatus } from "@/lib/db/schema-status";
import { setAppEnvForTests } from "@/lib/testing/app-env";
import { testDb } from "@/lib/testing/db";
import { GET as live } from "../live/route";
import { GET as ready } from "./route";

const db = testDb();
const committed = committedMigrations(path.join(process.cwd(), "prisma", "migrations"));

beforeAll(() => setAppEnvForTests());
afterAll(async () => {
  await db.$disconnect();
});

describe("GET /api/health/live", () => {
  it("answers 200 without touching the database", async () => {
    const response = live();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "live" });
  });
});

describe("GET /api/health/ready", () => {
  it("is ready on a database with every committed migration applied, and reports the worker", async () => {
    const response = await ready();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ready", migrations: committed.length, worker: { running: false } });
  });

  it("answers 503 naming the migration that is not applied", async () => {
    const last = committed.at(-1) as string;
    await db.$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = ${last}`;
    try {
      const response = await ready();
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; reason: string; fix: string };
      expect(body.status).toBe("not ready");
      expect(body.reason).toBe(`schema not current: 1 committed migration(s) not applied: ${last}`);
      expect(body.fix).toContain("migrate");
    } finally {
      await db.$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE migration_name = ${last}`;
    }
  });

  it("answers 503 on a database that was never migrated", async () => {
    await db.$executeRawUnsafe(`ALTER TABLE _prisma_migrations RENAME TO _prisma_migrations_hidden`);
    try {
      const response = await ready();
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ reason: "schema not current: the database has no migrations applied" });
    } finally {
      await db.$executeRawUnsafe(`ALTER TABLE _prisma_migrations_hidden RENAME TO _prisma_migrations`);
    }
  });
});

describe("schemaStatus", () => {
  it("reports a migration committed after the database was migrated (a newer build on an old schema)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cmk-migrations-"));
    try {
      cpSync(path.join(process.cwd(), "prisma", "migrations"), dir, { recursive: true });
      mkdirSync(path.join(dir, "29991231000000_from_the_future"));
      writeFileSync(path.join(dir, "29991231000000_from_the_future", "migration.sql"), "SELECT 1;");
      expect(await schemaStatus(db, dir)).toMatchObject({ current: false, missing: ["29991231000000_from_the_future"] });
      expect(await schemaStatus(db, path.join(dir, "absent"))).toMatchObject({ current: false, reason: expect.stringContaining("is missing") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
