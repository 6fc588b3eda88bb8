// `npm run bench:provisioning [-- --tenants N --workers W --concurrency C --timeout-seconds S --lro-ms L]`: provisions
// N tenants' disk encryption sets through W real worker processes (scripts/worker.ts, 2 by default) against the
// simulator, whose ARM throttles writes the way Azure documents it (a token bucket per subscription, principal and
// region: bucket 200, refill 10/s — e2e/azure-sim/arm/throttle.ts). The workers share one write budget in
// PostgreSQL (lib/provisioning/write-gate.ts). Reports the total time against the bound that the write budget
// allows, the ARM calls per onboarding by kind as counted by the simulator, and CPU; saves the result as JSON
// under bench-results/. Target: time ≤ 1.15 × bound, 0 duplicate DES, 0 failed jobs.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { AZURE_ARM_THROTTLE, startSimulator } from "../e2e/azure-sim/index";
import { SIM } from "../e2e/azure-sim/seed";
import { createPrismaClient } from "../lib/db/client";
import { createDisposableDatabase } from "../lib/db/test-database";
import { childEnv, resetServerEnvForTests, toolingEnv } from "../lib/env";
import { closeSharedQueue } from "../lib/jobs/queue";
import { provisionDesHandler } from "../lib/provisioning/provision-des-job";
import { enqueueProvisioning } from "../lib/provisioning/service";
import { providerWriteGate } from "../lib/provisioning/write-gate";
import { keyUrlOf, onboardedScenario, vaultId } from "../lib/provisioning/sim-scenario";

const ROOT = path.resolve(import.meta.dirname, "..");
const TARGET_RATIO = 1.15;
const { bucketSize: BUCKET, refillPerSecond: REFILL_PER_SECOND } = AZURE_ARM_THROTTLE.writes;

const { values: flags } = parseArgs({ options: {
  tenants: { type: "string", default: "500" }, workers: { type: "string", default: "2" }, concurrency: { type: "string", default: "16" },
  "timeout-seconds": { type: "string", default: "300" }, "lro-ms": { type: "string", default: "1000" },
} });
const tenants = Number(flags.tenants);
const workerCount = Number(flags.workers);
const concurrency = Number(flags.concurrency);
const timeoutMs = Number(flags["timeout-seconds"]) * 1000;
const lroMs = Number(flags["lro-ms"]);

/** What a failed run must still undo: worker processes (each holds dozens of connections), the simulator, the database. */
const running = new Set<ChildProcess>();
const undo: (() => Promise<unknown>)[] = [];

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

/** How long a slot waiting out a pause may take to notice it was lifted (lib/provisioning/write-gate.ts: pause readings are shared for 250 ms and re-read every 500 ms at most). */
const RELEASE_MS = 750;

async function main() {
  const started = Date.now();
  const database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_bench");
  undo.push(() => database.drop());
  // The simulator's ARM throttle is on with Azure's limits (its default).
  const sim = await startSimulator({ quiet: true, lroDurationMs: lroMs, scenario: onboardedScenario });
  undo.push(() => sim.stop());

  const appEnv = { ...sim.appEnv(), DATABASE_URL: database.url, SESSION_SECRET: Buffer.alloc(32, 7).toString("base64"), LOG_LEVEL: "warn" };
  Object.assign(process.env, appEnv);
  resetServerEnvForTests();
  const db = createPrismaClient(database.url);
  undo.push(() => db.$disconnect());

  // Synthetic customers: one tenant row each. The simulator gives every vault its own port, so they share
  // Contoso's vault and key (the DES, its name and its ARM write are still one per tenant).
  const keyUrl = keyUrlOf(sim, "contoso");
  const enqueueStart = Date.now();
  for (let i = 0; i < tenants; i++) {
    const tenantId = `bbbb${i.toString(16).padStart(4, "0")}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
    const tenant = await db.customerTenant.create({ data: { tenantId, displayName: `Bench customer ${i}`, consentStatus: "GRANTED" } });
    const key = await db.keyReference.create({ data: { customerTenantId: tenant.id, vaultResourceId: vaultId("contoso"), vaultUri: keyUrl.replace(/keys\/.*$/, ""), keyName: SIM.customers.contoso.keyName, keyVersion: keyUrl.split("/").pop() ?? "", keyUrl, keyType: "RSA", keySize: 3072, permissionModel: "RBAC", region: "westeurope" } });
    await enqueueProvisioning(db, { customerTenantId: tenant.id, keyReferenceId: key.id, rotationToLatest: true, requestedBy: "bench" });
  }
  const enqueueMs = Date.now() - enqueueStart;

  const before = sim.stats.snapshot();
  // The fleet's write budget stays closed until every worker runs: the bound is about provisioning, not about
  // booting Node (the jobs that start early wait at the gate, as they would behind a 429).
  const gate = providerWriteGate(db);
  await gate.pause(3_600_000);
  const heldAt = (await db.$queryRaw<{ at: Date }[]>`SELECT "refilledAt" AS at FROM "ArmWriteBudget" WHERE "subscriptionId" = ${gate.limits.subscriptionId} AND "region" = ${gate.limits.region}`)[0]?.at ?? new Date();
  const spawnedAt = Date.now();
  const workers: ChildProcess[] = Array.from({ length: workerCount }, () => spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: childEnv({ ...appEnv, WORKER_CONCURRENCY: String(concurrency), JOB_LEASE_SECONDS: "120" }),
    stdio: ["ignore", "pipe", "inherit"],
  }));
  for (const w of workers) {
    running.add(w);
    w.once("exit", () => running.delete(w));
  }
  await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (!/worker \S+ running/.test(seen)) return;
      w.stdout?.off("data", onData);
      w.stdout?.resume();
      resolve();
    };
    w.stdout?.on("data", onData);
    w.once("exit", (code) => reject(new Error(`a worker exited (${code}) before it started`)));
  })));
  // …and every worker slot holds a job waiting at the gate (each process checks the provider's set-up once before
  // its first DES): the clock measures the fleet at work, not its warm-up. Both are printed. A slot waits at the gate
  // once it has reserved its token; reservations are counted from the budget row (each takes one token, and the
  // paused bucket refills from zero at the refill rate), not from RUNNING jobs, which may not have got there yet.
  const slots = Math.min(tenants, workerCount * provisionDesHandler.concurrency(concurrency));
  const reserved = async () => {
    const rows = await db.$queryRaw<{ reserved: number }[]>`
      SELECT (EXTRACT(EPOCH FROM ("refilledAt" - ${heldAt}::timestamptz)) * ${gate.limits.refillPerSecond}::float8 - "tokens")::float8 AS reserved
      FROM "ArmWriteBudget" WHERE "subscriptionId" = ${gate.limits.subscriptionId} AND "region" = ${gate.limits.region}`;
    return Math.round(rows[0]?.reserved ?? 0);
  };
  let waiting = 0;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && (waiting = await reserved()) < slots;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // More reservations than slots: attempts that were aborted and retried while held (their tokens are never used).
  // At most one write per slot goes out when the hold is lifted.
  const startupMs = Date.now() - spawnedAt;
  const pgBefore = postgresCpuSeconds();
  const workerStart = Date.now();
  // The clock starts as ARM's own bucket stands: full, with the waiting slots' writes about to be sent. The hold
  // zeroed our gate (pause() models a 429, after which ARM's bucket is empty) and the waiting slots reserved their
  // tokens against it; without this the fleet would start in a debt that ARM does not have. ARM's bucket refills
  // from its first write on, and the waiting slots notice the lifted pause up to RELEASE_MS later, so our bucket
  // starts refilling only then (never ahead of ARM's: that would be a 429). The bound's clock starts now.
  await db.$executeRaw`UPDATE "ArmWriteBudget" SET "tokens" = ${gate.limits.bucketSize - Math.min(waiting, slots)}::float8, "refilledAt" = clock_timestamp() + ${RELEASE_MS} * interval '1 millisecond', "pausedUntil" = NULL
    WHERE "subscriptionId" = ${gate.limits.subscriptionId} AND "region" = ${gate.limits.region}`;
  let done = 0;
  let failed = 0;
  const workerCpu = new Map<number, number>();
  while (Date.now() - workerStart < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const w of workers) workerCpu.set(w.pid ?? 0, Math.max(workerCpu.get(w.pid ?? 0) ?? 0, processCpuSeconds(w.pid ?? 0)));
    const counts = await db.job.groupBy({ by: ["status"], _count: true });
    done = counts.find((c) => c.status === "SUCCEEDED")?._count ?? 0;
    failed = counts.find((c) => c.status === "FAILED")?._count ?? 0;
    const st = sim.stats;
    process.stdout.write(`\r  ${done} succeeded, ${failed} failed of ${tenants} after ${((Date.now() - workerStart) / 1000).toFixed(0)} s, ${st.armWrites - before.armWrites} ARM writes, ${st.armThrottled - before.armThrottled} throttled   `);
    if (done + failed >= tenants) break;
  }
  const totalMs = Date.now() - workerStart;
  const pgCpu = postgresCpuSeconds() - pgBefore;
  const after = sim.stats.snapshot();
  await Promise.all(workers.map((w) => new Promise((resolve) => {
    w.once("exit", resolve);
    w.kill("SIGTERM");
  })));

  const stats = new pg.Client({ connectionString: database.url });
  await stats.connect();
  const dbStats = (await stats.query("SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()")).rows[0] as Record<string, string> | undefined;
  await stats.end();
  const simDes = sim.state.diskEncryptionSets.values();
  const desNames = simDes.map((d) => d.name.toLowerCase());
  const duplicateDes = desNames.length - new Set(desNames).size;
  const inAzure = simDes.filter((d) => d.provisioningState === "Succeeded").length;
  const dbSucceeded = await db.diskEncryptionSet.count({ where: { provisioningState: "SUCCEEDED" } });

  const seconds = totalMs / 1000;
  const bound = Math.max(0, tenants - BUCKET) / REFILL_PER_SECOND + lroMs / 1000;
  const ratio = seconds / bound;
  const perOnboarding = (key: keyof typeof after) => (after[key] - before[key]) / Math.max(1, done);
  const calls = {
    reads: perOnboarding("armReads"), writes: perOnboarding("armWrites"), deletes: perOnboarding("armDeletes"), lroPolls: perOnboarding("lroPolls"),
    tokenRequests: perOnboarding("msiTokens") + perOnboarding("entraTokens"), throttled: perOnboarding("armThrottled"),
  };
  const totals = Object.fromEntries((Object.keys(after) as (keyof typeof after)[]).map((k) => [k, after[k] - before[k]]));
  const attempts = await db.jobAttempt.count();
  const errors = await db.jobAttempt.groupBy({ by: ["errorCode"], _count: true, where: { errorCode: { not: null } } });
  const cpuTotal = [...workerCpu.values()].reduce((a, b) => a + b, 0);
  const ok = ratio <= TARGET_RATIO && failed === 0 && done === tenants && duplicateDes === 0;

  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`\n\nProvisioning benchmark (${tenants} tenants, ${workerCount} worker processes × WORKER_CONCURRENCY=${concurrency}, ${provisionDesHandler.concurrency(concurrency)} provisioning slots each, simulated LRO ${lroMs} ms)`);
  out(`  ARM write limit: the simulator's token bucket, ${BUCKET} writes, refill ${REFILL_PER_SECOND}/s per subscription, principal and region (Azure's published limits); reads ${AZURE_ARM_THROTTLE.reads.bucketSize}, ${AZURE_ARM_THROTTLE.reads.refillPerSecond}/s`);
  out(`  enqueue (DB rows + queue messages): ${enqueueMs} ms (${(enqueueMs / tenants).toFixed(1)} ms per tenant); worker start-up until every slot waits at the gate (not counted): ${(startupMs / 1000).toFixed(1)} s, ${waiting} of ${slots} slots waiting`);
  out(`  total provisioning time: ${seconds.toFixed(1)} s   bound from the write budget: ${bound.toFixed(1)} s ((${tenants} − ${BUCKET}) / ${REFILL_PER_SECOND}/s + one LRO of ${lroMs} ms)`);
  out(`  outcome: ${done} succeeded, ${failed} failed; ${inAzure} DES Succeeded in the simulator, ${dbSucceeded} SUCCEEDED rows, ${duplicateDes} duplicate DES; ${attempts} attempts`);
  if (errors.length > 0) out(`  failed attempts by Azure code: ${errors.map((e) => `${e.errorCode}=${e._count}`).join(", ")}`);
  out(`  ARM calls per onboarding (counted at the simulator): reads ${calls.reads.toFixed(2)}, writes ${calls.writes.toFixed(2)}, LRO polls ${calls.lroPolls.toFixed(2)}, token requests ${calls.tokenRequests.toFixed(3)}; answered 429: ${calls.throttled.toFixed(2)}`);
  out(`  totals: ${Object.entries(totals).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  out(`  worker CPU: ${cpuTotal.toFixed(1)} s user+system over ${workerCount} processes (${((cpuTotal / seconds) * 100).toFixed(0)} % of one core)`);
  out(`  PostgreSQL CPU (all postgres processes on this machine${database.kind === "embedded" ? "; embedded database runs inside this script instead" : ""}): ${pgCpu.toFixed(1)} s`);
  const self = process.cpuUsage();
  out(`  bench process CPU (simulator + enqueue): ${((self.user + self.system) / 1e6).toFixed(1)} s`);
  if (dbStats) out(`  pg_stat_database: ${Object.entries(dbStats).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  out(`  wall time of the whole run: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  out(`RESULT provisioning ${seconds.toFixed(1)} s / bound ${bound.toFixed(1)} s = ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×) ${ratio <= TARGET_RATIO ? "OK" : "OVER"}; failed jobs ${failed}, duplicate DES ${duplicateDes} ${ok ? "OK" : "NOT OK"}`);

  const results = path.join(ROOT, "bench-results");
  mkdirSync(results, { recursive: true });
  writeFileSync(path.join(results, "provisioning.json"), `${JSON.stringify({
    at: new Date().toISOString(), tenants, workers: workerCount, concurrency, provisioningSlotsPerWorker: provisionDesHandler.concurrency(concurrency), lroMs, writeBucket: { bucketSize: BUCKET, refillPerSecond: REFILL_PER_SECOND },
    seconds, boundSeconds: bound, ratio, target: TARGET_RATIO, ok, succeeded: done, failed, duplicateDes, attempts,
    failedAttemptsByCode: Object.fromEntries(errors.map((e) => [e.errorCode, e._count])), callsPerOnboarding: calls, callTotals: totals,
    workerCpuSeconds: cpuTotal, postgresCpuSeconds: pgCpu, enqueueMs, workerStartupMs: startupMs,
  }, null, 2)}\n`);

  await closeSharedQueue();
  await db.$disconnect();
  await sim.stop();
  await database.drop();
  process.exit(ok ? 0 : 1);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`✖ Benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  await Promise.all([...running].map((w) => new Promise((resolve) => {
    w.once("exit", resolve);
    w.kill("SIGKILL");
  })));
  for (const step of undo.reverse()) await step().catch(() => undefined);
  process.exit(1);
});
