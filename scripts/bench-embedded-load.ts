// npm run bench:embedded [-- --seconds 120 --concurrency 50 --tenants 10000] — the whole product on the
// embedded default database under load: the launcher (e2e mode, with the local PostgreSQL deliberately out
// of reach, so it starts a throwaway embedded PostgreSQL), 10,000 seeded tenants that the live worker keeps
// health-checking, and 50 parallel signed-in staff requests to dashboard and support pages and APIs for two
// minutes. Counts wire-protocol mix-ups (`bind message`, `portal`, `prepared statement`) in responses and
// logs, and checks that the worker process stays alive (same pid, fresh heartbeat) throughout.
// Needs a production build (npm run build), like the end-to-end tests.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { deriveKey, seal } from "../lib/crypto/secret-box";
import { createPrismaClient } from "../lib/db/client";
import { seedDemoData } from "../lib/dashboard/demo-seed";
import { childEnv, toolingEnv, EnvError } from "../lib/env";
import { AppError } from "../lib/errors";
import { hashSessionId } from "../lib/auth/session-store";
import { e2eDatabaseUrl } from "../e2e/support/e2e-database";

const ROOT = path.resolve(import.meta.dirname, "..");
const PROTOCOL_ERROR = /bind message|portal "[^"]*" does not exist|prepared statement/i;
const PROTOCOL_ERROR_BOUND = 0;
const FAILED_REQUEST_BOUND = 0.01;
/** A request still unanswered after this counts as hung (the PGlite default once hung one for 15 minutes). */
const REQUEST_TIMEOUT_MS = 60_000;

type Stats = { requests: number; byStatus: Map<number, number>; failures: number; errors: Map<string, number>; protocolErrors: string[]; latencies: number[] };

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForHealthy(baseUrl: string, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) {
    const status = await fetch(`${baseUrl}/api/health`).then((r) => r.status, () => 0);
    if (status === 200) return;
  }
  throw new AppError("INTERNAL", `The app at ${baseUrl} did not report healthy within ${timeoutMs / 1000} s.`, { fix: "Run `npm run build` first; see the launcher output above." });
}

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: "string", default: "120" }, concurrency: { type: "string", default: "50" }, tenants: { type: "string", default: "10000" } } });
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const tenants = Number(values.tenants);
  const tooling = toolingEnv();
  const appPort = tooling.E2E_APP_PORT + 7;
  const baseUrl = `http://localhost:${appPort}`;
  const sessionSecret = randomBytes(32).toString("base64");
  console.log(`Embedded database under load: ${tenants} tenants, ${concurrency} parallel requests for ${seconds} s, app on :${appPort}`);

  const logLines: string[] = [];
  const launcher = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "launch.ts"), "e2e"], {
    cwd: ROOT,
    env: childEnv({
      PORT: String(appPort),
      SIM_PORT: String(tooling.E2E_SIM_PORT + 7),
      SESSION_SECRET: sessionSecret,
      // Out of reach on purpose: the launcher then runs the embedded PostgreSQL, the default under test.
      TEST_DATABASE_ADMIN_URL: "postgresql://postgres@127.0.0.1:9/postgres",
      LOG_LEVEL: "warn",
    }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) logLines.push(line);
  };
  launcher.stdout.on("data", onOutput);
  launcher.stderr.on("data", onOutput);
  const stopLauncher = async () => {
    if (launcher.exitCode !== null) return;
    const exited = new Promise((resolve) => launcher.once("exit", resolve));
    launcher.kill("SIGTERM");
    await Promise.race([exited, sleep(30_000)]);
  };

  try {
    await waitForHealthy(baseUrl, 180_000);
    const databaseUrl = e2eDatabaseUrl(appPort);
    console.log(logLines.filter((line) => /database|azure/.test(line)).join("\n"));
    const seeded = await seedDemoData(databaseUrl, { tenants, seed: 20261127 });
    console.log(`seeded ${seeded.tenants} tenants in ${(seeded.millis / 1000).toFixed(1)} s`);

    const db = createPrismaClient(databaseUrl);
    const sessionId = randomBytes(32).toString("base64url");
    const idHash = hashSessionId(sessionId);
    const now = new Date();
    await db.session.create({
      data: {
        idHash,
        kind: "STAFF",
        tenantId: "00000000-0000-4000-8000-000000000001",
        userOid: "00000000-0000-4000-8000-000000000002",
        userName: "bench@provider.example",
        displayName: "Load benchmark",
        roles: ["Operator", "Support"],
        tokenVault: new Uint8Array(seal(deriveKey(sessionSecret, "session-token-vault"), JSON.stringify({ apiToken: "unused" }), idHash)),
        createdAt: now,
        lastSeenAt: now,
        absoluteExpiresAt: new Date(now.getTime() + 3_600_000),
      },
    });
    const tenantIds = (await db.customerTenant.findMany({ select: { id: true }, take: 500, orderBy: { id: "asc" } })).map((t) => t.id);
    const worker = await db.workerHeartbeat.findFirstOrThrow({ orderBy: { lastSeenAt: "desc" } });
    console.log(`worker pid ${worker.pid} (${worker.instanceId}) beating since ${worker.startedAt.toISOString()}`);

    const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
    const paths = () =>
      pick([
        "/tenants",
        "/tenants?sort=health&dir=desc",
        "/tenants?health=DEGRADED,KEY_UNREACHABLE,REVOKED&sort=lastChange&dir=desc",
        `/tenants?q=${pick(["bank", "north", "contoso", "zzz"])}`,
        `/tenants?page=${1 + Math.floor(Math.random() * 100)}`,
        `/tenants/${pick(tenantIds)}`,
        "/api/operator/tenants.csv?health=FAILED",
        "/support",
        "/support/audit",
        "/api/health",
      ]);

    const stats: Stats = { requests: 0, byStatus: new Map(), failures: 0, errors: new Map(), protocolErrors: [], latencies: [] };
    const workerChecks = { samples: 0, alive: 0, healthy: 0, pidChanged: false };
    const endAt = Date.now() + seconds * 1000;
    const cookie = `__Host-cmk_session=${sessionId}`;
    const user = async () => {
      while (Date.now() < endAt) {
        const target = paths();
        const started = performance.now();
        try {
          const response = await fetch(`${baseUrl}${target}`, { headers: { cookie }, redirect: "manual", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
          const body = await response.text();
          stats.latencies.push(performance.now() - started);
          stats.byStatus.set(response.status, (stats.byStatus.get(response.status) ?? 0) + 1);
          if (response.status >= 500 && target !== "/api/health") stats.failures += 1;
          const match = PROTOCOL_ERROR.exec(body);
          if (match) stats.protocolErrors.push(`${target}: ${match[0]}`);
        } catch (error) {
          stats.failures += 1;
          stats.byStatus.set(0, (stats.byStatus.get(0) ?? 0) + 1);
          const kind = (error as Error).name === "TimeoutError" ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : String((error as Error).cause ?? error).slice(0, 120);
          stats.errors.set(kind, (stats.errors.get(kind) ?? 0) + 1);
          if (PROTOCOL_ERROR.test(String(error))) stats.protocolErrors.push(`${target}: ${String(error)}`);
        }
        stats.requests += 1;
      }
    };
    const watchWorker = async () => {
      while (Date.now() < endAt) {
        await sleep(1000);
        workerChecks.samples += 1;
        try {
          process.kill(worker.pid, 0);
          workerChecks.alive += 1;
        } catch {
          // counted as not alive
        }
        const newest = await db.workerHeartbeat.findFirst({ orderBy: { lastSeenAt: "desc" } });
        if (newest && newest.instanceId !== worker.instanceId) workerChecks.pidChanged = true;
        if (newest && Date.now() - newest.lastSeenAt.getTime() < 30_000) workerChecks.healthy += 1;
      }
    };
    const logStart = logLines.length;
    const started = Date.now();
    await Promise.all([...Array.from({ length: concurrency }, user), watchWorker()]);
    const elapsed = (Date.now() - started) / 1000;
    await db.$disconnect();

    const runLog = logLines.slice(logStart);
    const logProtocolErrors = runLog.filter((line) => PROTOCOL_ERROR.test(line));
    const workerExits = runLog.filter((line) => /worker +exited/.test(line));
    const protocolErrors = stats.protocolErrors.length + logProtocolErrors.length;
    const workerAlive = workerChecks.alive === workerChecks.samples && !workerChecks.pidChanged && workerExits.length === 0;
    const failedRatio = stats.failures / Math.max(1, stats.requests);
    const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s || "no answer"}×${n}`).join(", ");

    console.log(`\n${stats.requests} requests in ${elapsed.toFixed(0)} s (${(stats.requests / elapsed).toFixed(1)}/s): ${statuses}`);
    for (const [kind, count] of stats.errors) console.log(`  failed without an answer: ${count}× ${kind}`);
    console.log(`latency p50 ${percentile(stats.latencies, 50).toFixed(0)} ms, p95 ${percentile(stats.latencies, 95).toFixed(0)} ms, max ${Math.max(...stats.latencies).toFixed(0)} ms`);
    console.log(`worker: alive in ${workerChecks.alive}/${workerChecks.samples} checks, heartbeat fresh in ${workerChecks.healthy}/${workerChecks.samples}, restarts ${workerExits.length}`);
    for (const line of [...stats.protocolErrors, ...logProtocolErrors].slice(0, 10)) console.log(`  protocol error: ${line}`);
    console.log(`\nprotocol errors: ${protocolErrors}, worker alive: ${workerAlive ? "yes" : "no"}`);
    console.log(`RESULT protocol errors ${protocolErrors} (bound ${PROTOCOL_ERROR_BOUND}) ${protocolErrors <= PROTOCOL_ERROR_BOUND ? "OK" : "OVER"}; failed requests ${(failedRatio * 100).toFixed(2)} % (bound ${FAILED_REQUEST_BOUND * 100} %, ratio ${(failedRatio / FAILED_REQUEST_BOUND).toFixed(2)}) ${failedRatio <= FAILED_REQUEST_BOUND ? "OK" : "OVER"}; worker alive ${workerAlive ? "OK" : "DIED"}`);

    const results = path.join(ROOT, "bench-results");
    mkdirSync(results, { recursive: true });
    writeFileSync(
      path.join(results, "embedded-load.json"),
      `${JSON.stringify({ at: new Date().toISOString(), seconds: elapsed, concurrency, tenants, requests: stats.requests, statuses: Object.fromEntries(stats.byStatus), failures: stats.failures, protocolErrors, workerAlive, workerChecks, p50Ms: percentile(stats.latencies, 50), errors: Object.fromEntries(stats.errors), p95Ms: percentile(stats.latencies, 95) }, null, 2)}\n`,
    );
    if (protocolErrors > PROTOCOL_ERROR_BOUND || failedRatio > FAILED_REQUEST_BOUND || !workerAlive) process.exitCode = 1;
  } catch (error) {
    console.error(logLines.slice(-30).join("\n"));
    throw error;
  } finally {
    await stopLauncher();
  }
}

main().catch((error: unknown) => {
  console.error(`✖ ${error instanceof AppError ? error.toLine() : error instanceof EnvError ? error.message : (error as Error).stack}`);
  process.exit(1);
});
