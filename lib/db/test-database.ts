import { randomBytes } from "node:crypto";
import pg from "pg";
import { assertLocalDatabase } from "./guard";
import { startEmbeddedDatabase } from "./embedded";
import { applyMigrations } from "./migrate";

export type DisposableDatabase = { url: string; kind: "postgres" | "embedded"; drop(): Promise<void> };

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A brand-new, migrated database for one test run: a fresh database on the local PostgreSQL when it
 * answers, otherwise an in-memory embedded PostgreSQL. `drop()` removes it.
 */
export async function createDisposableDatabase(adminUrl: string, prefix: string): Promise<DisposableDatabase> {
  assertLocalDatabase(adminUrl);
  if (await canConnect(adminUrl)) {
    const name = `${prefix}_${Date.now()}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await applyMigrations(url.toString());
    return {
      url: url.toString(),
      kind: "postgres",
      async drop() {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const embedded = await startEmbeddedDatabase();
  await applyMigrations(embedded.url);
  return { url: embedded.url, kind: "embedded", drop: () => embedded.stop() };
}
