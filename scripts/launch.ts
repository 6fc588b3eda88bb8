// Starts the whole product: database (embedded unless DATABASE_URL is set), migrations, the Azure
// simulator (unless real Azure settings are given), the web server and the job worker. Modes: demo | dev | e2e.
// demo and e2e run the production artifacts exactly as the Dockerfile does (the standalone server.js and the
// bundled dist/worker.mjs; e2e also migrates with dist/migrate.mjs and runs without a client secret); dev runs
// next dev and the worker through tsx.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { childEnv, toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { demoCheckpointDir, generateAuditSigningKeyText, persistentAuditSigningKeyText } from "../lib/audit/checkpoint-key";
import { applyMigrations } from "../lib/db/migrate";
import { checkDatabaseReachable, describeDatabase } from "../lib/db/preflight";
import { createDisposableDatabase } from "../lib/db/test-database";
import { ensureSimCa } from "../e2e/azure-sim/ca";
import { startSimulator } from "../e2e/azure-sim/index";
import { publishE2eDatabase } from "../e2e/support/e2e-database";
import { buildProductionArtifacts } from "./build-artifacts";
import { assertSecretless, builtFile } from "./production-processes";
import { supervise } from "./supervise";

type Mode = "demo" | "dev" | "e2e";
const ROOT = path.resolve(import.meta.dirname, "..");
const DATA_DIR = path.join(ROOT, ".data");
const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

const cleanups: (() => Promise<unknown>)[] = [];
let stopping = false;

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

/** The demo keeps one session secret across restarts so sessions survive a restart. */
function persistentSessionSecret(): string {
  const file = path.join(DATA_DIR, "session-secret");
  if (!existsSync(file)) {
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}

function newestSourceChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "generated" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceChange(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function buildIsStale(): boolean {
  const buildId = path.join(ROOT, toolingEnv().NEXT_DIST_DIR, "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return ["app", "components", "lib", "public"].some((dir) => existsSync(path.join(ROOT, dir)) && newestSourceChange(path.join(ROOT, dir)) > built);
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function prepareDatabase(mode: Mode): Promise<string> {
  const tooling = toolingEnv();
  if (mode === "e2e") {
    // Created empty: the bundled migrate command (the Dockerfile's `migrate`) applies the migrations in main().
    const database = await createDisposableDatabase(tooling.TEST_DATABASE_ADMIN_URL, "cmk_e2e", { migrated: false });
    cleanups.push(() => database.drop());
    // Specs seed their own data into this run's database (see e2e/support/e2e-database.ts).
    cleanups.push(publishE2eDatabase(tooling.PORT, database.url));
    say(`  database   fresh ${database.kind === "postgres" ? `PostgreSQL ${describeDatabase(database.url)}` : `throwaway embedded PostgreSQL ${describeDatabase(database.url)}`}`);
    return database.url;
  }
  if (tooling.DATABASE_URL) {
    await checkDatabaseReachable(tooling.DATABASE_URL);
    // As the schema owner when given (the app's own role may not change the schema).
    await applyMigrations(tooling.DATABASE_MIGRATION_URL ?? tooling.DATABASE_URL);
    say(`  database   PostgreSQL ${describeDatabase(tooling.DATABASE_URL)} (migrated)`);
    return tooling.DATABASE_URL;
  }
  const { startProjectDatabase } = await import("../lib/db/embedded");
  const embedded = await startProjectDatabase(say);
  cleanups.push(() => embedded.stop());
  await applyMigrations(embedded.url);
  say(`  database   embedded PostgreSQL in .data/postgres (migrated${embedded.reused ? "; already running, left running" : ""}), ${embedded.url}`);
  return embedded.url;
}

async function prepareAzure(): Promise<Record<string, string>> {
  const tooling = toolingEnv();
  if (tooling.PROVIDER_TENANT_ID) {
    say("  azure      real Azure, configured from the environment");
    return {};
  }
  const ca = ensureSimCa();
  const sim = await startSimulator({ port: tooling.SIM_PORT, quiet: true });
  cleanups.push(() => sim.stop());
  say(`  azure      simulator at ${sim.url} (CA bundle ${ca.bundlePath})`);
  const env = sim.appEnv();
  // Names customers see in the wizard, as registered in the simulated provider tenant.
  const cmkApp = sim.state.applications.get(env.CMK_APP_CLIENT_ID ?? "");
  const provider = sim.state.tenants.get(env.PROVIDER_TENANT_ID ?? "");
  return { ...env, ...(cmkApp && { CMK_APP_DISPLAY_NAME: cmkApp.displayName }), ...(provider && { PROVIDER_DISPLAY_NAME: provider.displayName.replace(/ \(provider\)$/, "") }) };
}

async function main() {
  const mode = (process.argv[2] ?? "demo") as Mode;
  if (!["demo", "dev", "e2e"].includes(mode)) throw new AppError("CONFIG_INVALID", `Unknown mode "${mode}".`, { fix: "Use demo, dev or e2e." });
  const tooling = toolingEnv();
  say(`CMK Portal (${mode})`);

  const azureEnv = await prepareAzure();
  // The end-to-end run proves the production configuration: no Entra client secret anywhere.
  if (mode === "e2e") {
    assertSecretless(process.env);
    delete azureEnv.PORTAL_CLIENT_SECRET;
  }
  const databaseUrl = await prepareDatabase(mode);
  const sessionSecret = tooling.SESSION_SECRET ?? (mode === "e2e" ? randomBytes(32).toString("base64") : persistentSessionSecret());
  const appUrl = `http://localhost:${tooling.PORT}`;
  const env = childEnv({
    ...azureEnv,
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: sessionSecret,
    // Audit checkpoints: the demo signs with a key kept under .data/ and keeps the copies there too.
    ...(!tooling.AUDIT_SIGNING_KEY && { AUDIT_SIGNING_KEY: mode === "e2e" ? generateAuditSigningKeyText() : persistentAuditSigningKeyText(DATA_DIR) }),
    ...(!tooling.AUDIT_CHECKPOINT_DIR && mode !== "e2e" && { AUDIT_CHECKPOINT_DIR: demoCheckpointDir(DATA_DIR) }),
    APP_BASE_URL: appUrl,
    NODE_ENV: mode === "dev" ? "development" : "production",
    // Demo and simulator: webhooks may go to local http receivers, still signed (a fresh secret unless one is set).
    WEBHOOK_ALLOW_HTTP: "true",
    ...(!tooling.WEBHOOK_SIGNING_SECRET && { WEBHOOK_SIGNING_SECRET: `whsec_${randomBytes(32).toString("base64")}` }),
  });

  if (mode === "e2e") assertSecretless(env);

  if (mode === "demo" && buildIsStale()) {
    say("  building   next build (first start or sources changed)…");
    const code = await run([NEXT_BIN, "build"], env);
    if (code !== 0) throw new AppError("INTERNAL", "The production build failed (see the output above).", { fix: "Fix the build error, or run `npm run dev` meanwhile." });
  }
  if (mode !== "dev") {
    if (!existsSync(path.join(ROOT, tooling.NEXT_DIST_DIR, "BUILD_ID"))) {
      throw new AppError("CONFIG_INVALID", "No production build to run.", { fix: "Run `npm run build` first (npm run test:e2e does)." });
    }
    // Cheap (a second or two), and keeps the bundles in step with the sources even after a bare `next build`.
    say(`  artifacts  ${await buildProductionArtifacts(tooling.NEXT_DIST_DIR)}`);
  }
  if (mode === "e2e") {
    const code = await run([builtFile("migrate", ROOT, tooling.NEXT_DIST_DIR)], { ...env, DATABASE_MIGRATION_URL: databaseUrl });
    if (code !== 0) throw new AppError("MIGRATION_FAILED", "The bundled migrate command failed (see the output above).", { fix: "Run `npm run build`, then `node dist/migrate.mjs` with DATABASE_URL set, to see why." });
    say("  database   migrated by the bundled migrate command");
  }

  // The job worker (DES provisioning, health checks): same environment as the web server; restarted with
  // back-off when it dies; stopped before the database.
  const workerArgs = mode === "dev" ? ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")] : [builtFile("worker", ROOT, tooling.NEXT_DIST_DIR)];
  const worker = supervise({ name: "worker", command: process.execPath, args: workerArgs, spawnOptions: { cwd: ROOT, env, stdio: "inherit" }, say });
  cleanups.unshift(() => worker.stop());
  const onWebExit = (code: number | null) => {
    say(`The web server exited (${code}); stopping.`);
    void shutdown(code ?? 1);
  };
  if (mode === "dev") startChild([NEXT_BIN, "dev", "-p", String(tooling.PORT)], ROOT, env, onWebExit);
  else {
    // `node server.js` in the standalone directory, as the Dockerfile's web target (HOSTNAME: all interfaces).
    const server = builtFile("web", ROOT, tooling.NEXT_DIST_DIR);
    startChild([path.basename(server)], path.dirname(server), { ...env, PORT: String(tooling.PORT), HOSTNAME: "0.0.0.0" }, onWebExit);
  }
  say(`\n  ➜ Open ${appUrl}   (Ctrl-C stops; data is kept for the next start)\n`);
}

/** The web server, stopped with SIGTERM before the database and the simulator; when it exits, everything stops. */
function startChild(args: string[], cwd: string, env: NodeJS.ProcessEnv, onUnexpectedExit: (code: number | null) => void): void {
  const child: ChildProcess = spawn(process.execPath, args, { cwd, env, stdio: "inherit" });
  cleanups.unshift(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  );
  child.on("exit", (code) => {
    if (!stopping) onUnexpectedExit(code);
  });
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups) {
    await cleanup().catch((error: unknown) => say(`  cleanup: ${(error as Error).message}`));
  }
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch(async (error: unknown) => {
  if (error instanceof AppError) say(`✖ ${error.toLine()}`);
  else if (error instanceof EnvError) say(`✖ ${error.message}`);
  else say(`✖ Start-up failed: ${(error as Error).message}`);
  await shutdown(1);
});
