import { AppError } from "../errors";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Tests create and drop databases: refuse anything that is not on this machine. */
export function assertLocalDatabase(url: string): void {
  const host = new URL(url).hostname;
  if (!LOCAL_HOSTS.has(host)) {
    throw new AppError("DATABASE_NOT_LOCAL", `Refusing to run tests against the database at ${host}: tests only use a database on this machine.`, {
      fix: "Point TEST_DATABASE_ADMIN_URL at a local PostgreSQL (127.0.0.1) or unset it.",
    });
  }
}
