import { randomBytes } from "node:crypto";
import pg from "pg";
import { assertLocalDatabase } from "./guard";
import { databaseAnswers, startThrowawayDatabase } from "./embedded";
import { applyMigrations } from "./migrate";

export type DisposableDatabase = {
  url: string;
  /** The server's maintenance database, for copies of this one (CREATE DATABASE … TEMPLATE). */
  adminUrl: string;
  kind: "postgres" | "embedded";
  drop(): Promise<void>;
};


async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new database (migrated unless told otherwise) on the server behind `adminUrl`; `drop()` removes it. */
async function freshDatabase(adminUrl: string, prefix: string, migrated = true): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now()}_${randomBytes(4).toString("hex")}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  try {
    if (migrated) await applyMigrations(url.toString());
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), drop };
}

/**
 * A brand-new, migrated database for one test run: a fresh database on the local PostgreSQL when it
 * answers, otherwise on a throwaway embedded PostgreSQL server (stopped and deleted by `drop()`).
 */
export async function createDisposableDatabase(adminUrl: string, prefix: string, options: { migrated?: boolean } = {}): Promise<DisposableDatabase> {
  assertLocalDatabase(adminUrl);
  const migrated = options.migrated ?? true;
  if (await databaseAnswers(adminUrl, 2000)) {
    return { ...(await freshDatabase(adminUrl, prefix, migrated)), adminUrl, kind: "postgres" };
  }
  const embedded = await startThrowawayDatabase();
  try {
    const database = await freshDatabase(embedded.adminUrl, prefix, migrated);
    return { url: database.url, adminUrl: embedded.adminUrl, kind: "embedded", drop: () => embedded.stop() };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
