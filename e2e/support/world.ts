import pg from "pg";
import { toolingEnv } from "../../lib/env";
import { QUEUE_SCHEMA } from "../../lib/jobs/queue";
import { e2eDatabaseUrl } from "./e2e-database";
import { simControl } from "./sim";

/**
 * Each journey file starts from the same world: the simulator back at its seed, and the app's database empty
 * (schema and migrations kept, queued jobs dropped), so files never depend on the order they run in.
 */
export async function freshWorld(): Promise<void> {
  await simControl("reset");
  const client = new pg.Client({ connectionString: e2eDatabaseUrl(toolingEnv().E2E_APP_PORT) });
  await client.connect();
  try {
    // Worker heartbeats are kept: the run's worker keeps running across files, and readiness depends on them.
    const { rows } = await client.query<{ name: string }>(`SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('_prisma_migrations', 'WorkerHeartbeat')`);
    await client.query(`TRUNCATE ${rows.map((r) => r.name).join(", ")} CASCADE`);
    await client.query(`TRUNCATE ${pg.escapeIdentifier(QUEUE_SCHEMA)}.job`);
  } finally {
    await client.end();
  }
}
