// Each test file gets its own copy of the run's migrated database, so files running in parallel never see
// each other's rows. The app code reads it through lib/env (DATABASE_URL) like in production.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";

const template = inject("databaseUrl");

async function adminQuery(sql: string): Promise<void> {
  const admin = new URL(template);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const templateName = new URL(template).pathname.slice(1);
const name = `${templateName}_f${randomBytes(4).toString("hex")}`;
await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${templateName}"`);
const url = new URL(template);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();
afterAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});
