// Prisma CLI configuration. Prisma 6.19 with the JS engine and the pg driver adapter: this is the
// set-up that works offline (no engine binaries to download). See ../shared/notes/prisma-offline.md.
import { randomUUID } from "node:crypto";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlQuery, SqlResultSet } from "@prisma/driver-adapter-utils";

// Without a URL the CLI falls back to the native engine and tries to download it, even for `generate`.
process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";

const PG_NAME_OID = 19;
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

function adapterFactory(url: string) {
  // allowExitOnIdle: CLI commands end as soon as their work is done instead of lingering on the pool.
  return new PrismaPg({ connectionString: url, allowExitOnIdle: true });
}

type PatchableAdapter = SqlDriverAdapter & {
  performIO(query: SqlQuery): Promise<SqlResultSet | SqlResultSet[]>;
  executeScript(script: string): Promise<void>;
  client: { query(sql: string): Promise<unknown> };
  onError(error: unknown): never;
};

/** Work-arounds for the JS schema engine on PostgreSQL (each one found by a failing command). */
function patchForSchemaEngine(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const a = adapter as PatchableAdapter;
  const performIO = a.performIO.bind(a);
  a.performIO = async (query) => {
    // PostgreSQL ≥ 18 (the embedded server) has NOT NULL constraints of type 'n'; the engine would panic on them.
    const sql = query.sql.replace("NOT IN ('p', 'u', 'f')", "NOT IN ('p', 'u', 'f', 'n')");
    const result = await performIO({ ...query, sql });
    // Columns of type `name`/`char` cannot be deserialised by the adapter: read them as text.
    for (const set of [result].flat()) {
      for (const field of (set as { fields?: { dataTypeID: number }[] }).fields ?? []) {
        if (field.dataTypeID === PG_NAME_OID || field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
      }
    }
    return result;
  };
  // The default splits scripts on ';', which breaks trigger bodies ($$ … ; … $$): run them whole.
  a.executeScript = async (script) => {
    try {
      await a.client.query(script);
    } catch (error) {
      a.onError(error);
    }
  };
  return a;
}

function disposeWith(adapter: SqlDriverAdapter, after: () => Promise<unknown>): SqlDriverAdapter {
  const dispose = adapter.dispose.bind(adapter);
  adapter.dispose = async () => {
    await dispose();
    await after();
  };
  return adapter;
}

/** The shadow database for `migrate dev`/`migrate diff`, created beside the main one (needs CREATEDB): PrismaPg would otherwise reuse the main one. */
async function connectShadow(url: string): Promise<SqlDriverAdapter> {
  const admin = (await adapterFactory(url).connect()) as unknown as PatchableAdapter;
  const name = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
  const shadowUrl = new URL(url);
  shadowUrl.pathname = `/${name}`;
  await admin.client.query(`CREATE DATABASE "${name}"`);
  const shadow = await adapterFactory(shadowUrl.toString()).connect();
  return disposeWith(patchForSchemaEngine(shadow), async () => {
    await admin.client.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.dispose();
  });
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  adapter: async () => {
    const url = process.env.DATABASE_URL as string;
    const factory = adapterFactory(url);
    return {
      provider: "postgres" as const,
      adapterName: factory.adapterName,
      connect: async () => patchForSchemaEngine(await factory.connect()),
      connectToShadowDb: () => connectShadow(url),
    };
  },
});

// The WASM schema engine arms long timers that would keep short CLI commands alive for seconds.
const originalSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = originalSetTimeout(handler, ms, ...args);
  if ((ms ?? 0) >= 10_000) timer.unref();
  return timer;
}) as typeof setTimeout;
