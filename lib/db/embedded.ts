import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export type EmbeddedDatabase = { url: string; stop(): Promise<void> };

/**
 * An embedded PostgreSQL (PGlite) behind a local socket, so Prisma, pg-boss and the CLI connect to it
 * like any server. With a dataDir it persists between starts; without one it lives in memory.
 */
export async function startEmbeddedDatabase(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedDatabase> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const database = await PGlite.create(options.dataDir);
  // Room for the app's pool, the job worker's pool and CLI commands at once.
  const server = new PGLiteSocketServer({ db: database, port: options.port ?? 0, host: "127.0.0.1", maxConnections: 40 });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await database.close();
    },
  };
}
