// `npm run bench:provisioning [-- --tenants N --concurrency C --timeout-seconds S]`: provisions N tenants'
// disk encryption sets through the real worker process against the simulator, with ARM writes throttled the
// way Azure documents it, and reports total time against the bound the throttle allows, plus CPU.
//
// ARM throttling (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling):
// Azure now uses a token bucket per subscription and principal — subscription writes: bucket 200, refill
// 10 per second (historically 1200 writes per hour). The simulator has no rate-based throttle (only a count of
// next calls to fail), so this script puts a token-bucket proxy in front of its ARM endpoint.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startSimulator } from "../e2e/azure-sim/index";
import { SIM } from "../e2e/azure-sim/seed";
import { createPrismaClient } from "../lib/db/client";
import { createDisposableDatabase } from "../lib/db/test-database";
import { childEnv, resetServerEnvForTests, toolingEnv } from "../lib/env";
import { closeSharedQueue } from "../lib/jobs/queue";
import { enqueueProvisioning } from "../lib/provisioning/service";
import { keyUrlOf, onboardedScenario, vaultId } from "../lib/provisioning/sim-scenario";

const ROOT = path.resolve(import.meta.dirname, "..");
const BUCKET = 200;
const REFILL_PER_SECOND = 10;

const { values: flags } = parseArgs({ options: { tenants: { type: "string", default: "500" }, concurrency: { type: "string", default: "16" }, "timeout-seconds": { type: "string", default: "540" }, "lro-ms": { type: "string", default: "1000" } } });
const tenants = Number(flags.tenants);
const concurrency = Number(flags.concurrency);
const timeoutMs = Number(flags["timeout-seconds"]) * 1000;
const lroMs = Number(flags["lro-ms"]);

/** utime + stime of a process in seconds, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU of every running `postgres` process (the whole local cluster: an upper bound for this database). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres") total += processCpuSeconds(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

async function main() {
  const started = Date.now();
  const database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_bench");
  const sim = await startSimulator({ quiet: true, lroDurationMs: lroMs, scenario: onboardedScenario });
  const simCa = readFileSync(sim.ca.caCertPath);

  // Token-bucket proxy for ARM writes in front of the simulator.
  let tokens = BUCKET;
  let lastRefill = Date.now();
  let writes = 0;
  let throttled = 0;
  const take = (): number => {
    const now = Date.now();
    tokens = Math.min(BUCKET, tokens + ((now - lastRefill) / 1000) * REFILL_PER_SECOND);
    lastRefill = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - tokens) / REFILL_PER_SECOND);
  };
  const proxy = createServer({ cert: readFileSync(sim.ca.certPath), key: readFileSync(sim.ca.keyPath) }, (req, res) => {
    const isWrite = ["PUT", "PATCH", "DELETE", "POST"].includes(req.method ?? "GET") && (req.url ?? "").startsWith("/arm/");
    if (isWrite) {
      const wait = take();
      if (wait > 0) {
        throttled += 1;
        res.writeHead(429, { "content-type": "application/json", "retry-after": String(Math.max(1, wait)) });
        res.end(JSON.stringify({ error: { code: "SubscriptionRequestsThrottled", message: "Number of write requests for subscription exceeded the limit (bench token bucket: 200, 10/s)." } }));
        return;
      }
      writes += 1;
    }
    // This process may not have the simulator's CA in NODE_EXTRA_CA_CERTS: trust it explicitly for the hop.
    const upstream = request({ host: "127.0.0.1", port: sim.port, method: req.method, path: req.url, servername: "localhost", ca: simCa, headers: { ...req.headers, host: `localhost:${sim.port}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const proxyPort = (proxy.address() as AddressInfo).port;

  const appEnv = { ...sim.appEnv(), DATABASE_URL: database.url, SESSION_SECRET: Buffer.alloc(32, 7).toString("base64"), LOG_LEVEL: "warn" };
  Object.assign(process.env, appEnv);
  resetServerEnvForTests();
  const db = createPrismaClient(database.url);

  // Synthetic customers: one tenant row each. The simulator gives every vault its own port, so they share
  // Contoso's vault and key (the DES, its name and its ARM write are still one per tenant).
  const keyUrl = keyUrlOf(sim, "contoso");
  const enqueueStart = Date.now();
  const jobIds: string[] = [];
  for (let i = 0; i < tenants; i++) {
    const tenantId = `bbbb${i.toString(16).padStart(4, "0")}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
    const tenant = await db.customerTenant.create({ data: { tenantId, displayName: `Bench customer ${i}`, consentStatus: "GRANTED" } });
    const key = await db.keyReference.create({ data: { customerTenantId: tenant.id, vaultResourceId: vaultId("contoso"), vaultUri: keyUrl.replace(/keys\/.*$/, ""), keyName: SIM.customers.contoso.keyName, keyVersion: keyUrl.split("/").pop() ?? "", keyUrl, keyType: "RSA", keySize: 3072, permissionModel: "RBAC", region: "westeurope" } });
    jobIds.push((await enqueueProvisioning(db, { customerTenantId: tenant.id, keyReferenceId: key.id, rotationToLatest: true, requestedBy: "bench" })).jobId);
  }
  const enqueueMs = Date.now() - enqueueStart;

  const pgBefore = postgresCpuSeconds();
  const workerStart = Date.now();
  const worker = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: childEnv({ ...appEnv, AZURE_ARM_ENDPOINT: `https://localhost:${proxyPort}/arm`, WORKER_CONCURRENCY: String(concurrency), JOB_LEASE_SECONDS: "120" }),
    stdio: ["ignore", "ignore", "inherit"],
  });
  let done = 0;
  let failed = 0;
  let workerCpu = 0;
  while (Date.now() - workerStart < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    workerCpu = Math.max(workerCpu, processCpuSeconds(worker.pid ?? 0));
    const counts = await db.job.groupBy({ by: ["status"], _count: true });
    done = counts.find((c) => c.status === "SUCCEEDED")?._count ?? 0;
    failed = counts.find((c) => c.status === "FAILED")?._count ?? 0;
    process.stdout.write(`\r  ${done} succeeded, ${failed} failed of ${tenants} after ${((Date.now() - workerStart) / 1000).toFixed(0)} s, ${writes} ARM writes, ${throttled} throttled   `);
    if (done + failed >= tenants) break;
  }
  const totalMs = Date.now() - workerStart;
  const pgCpu = postgresCpuSeconds() - pgBefore;
  worker.kill("SIGTERM");
  await new Promise((resolve) => worker.once("exit", resolve));

  const stats = new pg.Client({ connectionString: database.url });
  await stats.connect();
  const dbStats = (await stats.query("SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()")).rows[0] as Record<string, string> | undefined;
  await stats.end();
  const inAzure = sim.state.diskEncryptionSets.values().filter((d) => d.provisioningState === "Succeeded").length;

  const bound = Math.max(0, tenants - BUCKET) / REFILL_PER_SECOND + lroMs / 1000;
  const attempts = await db.jobAttempt.count();
  const errors = await db.jobAttempt.groupBy({ by: ["errorCode"], _count: true, where: { errorCode: { not: null } } });
  process.stdout.write(`\n\nProvisioning benchmark (${tenants} tenants, WORKER_CONCURRENCY=${concurrency}, simulated LRO ${lroMs} ms)\n`);
  process.stdout.write(`  ARM write limit used: token bucket ${BUCKET} writes, refill ${REFILL_PER_SECOND}/s per subscription and principal (Azure Resource Manager request limits, token-bucket model; historically 1200 writes/hour)\n`);
  process.stdout.write(`  enqueue (DB rows + queue messages): ${enqueueMs} ms (${(enqueueMs / tenants).toFixed(1)} ms per tenant)\n`);
  process.stdout.write(`  total provisioning time: ${(totalMs / 1000).toFixed(1)} s   theoretical bound from the throttle: ${bound.toFixed(1)} s ((${tenants} − ${BUCKET}) / ${REFILL_PER_SECOND}/s + one LRO)\n`);
  process.stdout.write(`  outcome: ${done} succeeded, ${failed} failed, ${inAzure} DES Succeeded in the simulator; ${attempts} attempts; ${writes} ARM writes accepted, ${throttled} answered 429\n`);
  if (errors.length > 0) process.stdout.write(`  failed attempts by Azure code: ${errors.map((e) => `${e.errorCode}=${e._count}`).join(", ")}\n`);
  process.stdout.write(`  worker CPU: ${workerCpu.toFixed(1)} s user+system (${((workerCpu / (totalMs / 1000)) * 100).toFixed(0)} % of one core)\n`);
  process.stdout.write(`  PostgreSQL CPU (all postgres processes on this machine${database.kind === "embedded" ? "; embedded database runs inside this script instead" : ""}): ${pgCpu.toFixed(1)} s\n`);
  const self = process.cpuUsage();
  process.stdout.write(`  bench process CPU (simulator + proxy + enqueue): ${((self.user + self.system) / 1e6).toFixed(1)} s\n`);
  if (dbStats) process.stdout.write(`  pg_stat_database: ${Object.entries(dbStats).map(([k, v]) => `${k}=${v}`).join(", ")}\n`);
  process.stdout.write(`  wall time of the whole run: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  await closeSharedQueue();
  await db.$disconnect();
  proxy.close();
  await sim.stop();
  await database.drop();
  process.exit(done === tenants ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ Benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
