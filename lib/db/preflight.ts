import pg from "pg";
import { AppError } from "../errors";

/** Where the URL points, for messages (never the password). */
export function describeDatabase(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
}

/** Connects once so that a wrong or unreachable database stops start-up with one clear line. */
export async function checkDatabaseReachable(url: string, timeoutMs = 5000): Promise<void> {
  if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
    throw new AppError("DATABASE_URL_INVALID", "DATABASE_URL is not a PostgreSQL URL.", {
      fix: "Use postgresql://user:password@host:5432/database, or unset DATABASE_URL to use the embedded database.",
    });
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
    throw new AppError("DATABASE_UNREACHABLE", `Cannot reach the database at ${describeDatabase(url)} (${reason}).`, {
      fix: "Start PostgreSQL or correct DATABASE_URL; unset DATABASE_URL to use the embedded database instead.",
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
