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
    // The audit tables refuse TRUNCATE by trigger; the test harness, as the owner, switches triggers off for this
    // reset only. Sequences restart too, so the audit chain starts again at event 1 (verify reports gaps).
    await client.query("BEGIN");
    await client.query("SET LOCAL session_replication_role = replica");
    await client.query(`TRUNCATE ${rows.map((r) => r.name).join(", ")} RESTART IDENTITY CASCADE`);
    await client.query("COMMIT");
    await client.query(`TRUNCATE ${pg.escapeIdentifier(QUEUE_SCHEMA)}.job`);
  } finally {
    await client.end();
  }
}
