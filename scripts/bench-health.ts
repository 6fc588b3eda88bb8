// `npm run bench:health [-- --tenants 10000 --checked 2000 --concurrency 32 --interval-minutes 15]`: the cost of
// health checking a fleet of tenants with live disk encryption sets on the simulator, against two bounds:
//   - CPU: a full sweep of all tenants costs at most 25 % of one core, averaged over one health interval;
//   - ARM reads: a full sweep uses at most half of ARM's read budget over the interval, and the per-tenant
//     slots (lib/health/scheduler.ts) never burst past half of ARM's read token bucket.
//
// ARM's read limits (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
// "Regional throttling and token bucket algorithm"): subscription reads, bucket 250, refill 25 per second, per
// subscription, per service principal and per operation type. Every health check reads each of the tenant's
// DES from ARM in the provider's subscription with the provider's identity, so all checks share one bucket.
//
// What it measures. Seeding: N customer tenants in the simulator, each with its own tenant, the CMK app's service
// principal (consent), its own Key Vault with an RSA 3072 key (one key material shared by all vaults, so the
// simulator need not generate 10,000 RSA keys), the crypto role for the app, and a live DES (Succeeded) in the
// provider subscription; the same tenants (HEALTHY, as after their first check), key references and DES rows are
// written straight into PostgreSQL. A compressed cycle: the real worker process (scripts/worker.ts) checks
// `--checked` of them (2,000 by default; all with --checked 10000) queued at `--pace-per-second` (20: under ARM's
// read refill of 25/s, which the simulator enforces; at the worker's full speed half the reads would be answered 429
// and those checks would be inconclusive), instead of spread over 15 minutes. The worker's CPU (user + system,
// /proc) is taken just before the checks are queued and after the last one finished, and the simulator counts every request by kind. Extrapolated to all N tenants:
// CPU per check x N over the interval = the CPU share; ARM reads per check x N over the interval = the
// read-budget share; N / the measured checks per second = the time one worker needs for a full sweep. The spread
// is computed for all N tenants: their slots, fed through a token bucket of half ARM's size and refill, must
// never run it dry.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startSimulator, type Scenario } from "../e2e/azure-sim/index";
import { BUILTIN_ROLES, SIM, servicePrincipalObjectId, stableGuid } from "../e2e/azure-sim/seed";
import { createPrismaClient } from "../lib/db/client";
import { createDisposableDatabase } from "../lib/db/test-database";
import { childEnv, resetServerEnvForTests, toolingEnv } from "../lib/env";
import { tenantPhase } from "../lib/health/scheduler";
import { HEALTH_SCAN_QUEUE, openQueue } from "../lib/jobs/queue";
import { onboardedScenario } from "../lib/provisioning/sim-scenario";
// ARM subscription reads: token bucket size and refill per second (see the link above), as the provisioning read budget uses them.
import { ARM_READ_LIMITS } from "../lib/provisioning/write-gate";

const ROOT = path.resolve(import.meta.dirname, "..");
const CPU_SHARE_BOUND = 0.25;
const READ_SHARE_BOUND = 0.5;

const { values: flags } = parseArgs({ options: {
  tenants: { type: "string", default: "10000" },
  checked: { type: "string", default: "2000" },
  concurrency: { type: "string", default: "32" },
  "interval-minutes": { type: "string", default: "15" },
  "timeout-seconds": { type: "string", default: "1500" },
  /**
   * Checks queued per second in the compressed run. Below ARM's read refill (25/s), so that the simulator, which
   * throttles reads as ARM does, answers every check: a run at the worker's full speed (about 60/s) would get half of
   * its reads answered 429, and those inconclusive checks would make a check look cheaper than it is.
   */
  "pace-per-second": { type: "string", default: "20" },
  /** Writes a V8 CPU profile of the worker into this directory. */
  "profile-dir": { type: "string" },
} });
const tenants = Number(flags.tenants);
const checked = Math.min(tenants, Number(flags.checked));
const concurrency = Number(flags.concurrency);
const intervalSeconds = Number(flags["interval-minutes"]) * 60;
const timeoutMs = Number(flags["timeout-seconds"]) * 1000;
const pacePerSecond = Math.max(1, Number(flags["pace-per-second"]));

/** utime + stime of a process in seconds, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The worker process, ended with this script whatever happens. */
let workerProcess: ReturnType<typeof spawn> | undefined;
process.on("exit", () => workerProcess?.kill("SIGKILL"));

const guid = (kind: string, i: number) => stableGuid("bench-health", kind, String(i));
const benchTenant = (i: number) => ({ tenantId: guid("tenant", i), subscriptionId: guid("subscription", i), vault: `bhv${i.toString(36).padStart(4, "0")}`, des: `des-bench-${i}` });
const KEY_NAME = "cmk";

function scenario(origin: string): Scenario {
  const base = onboardedScenario(origin);
  const extra = Array.from({ length: tenants }, (_, i) => benchTenant(i));
  const vaultIdOf = (t: ReturnType<typeof benchTenant>) => `/subscriptions/${t.subscriptionId}/resourceGroups/bench-rg/providers/Microsoft.KeyVault/vaults/${t.vault}`;
  return {
    ...base,
    tenants: [...base.tenants, ...extra.map((t, i) => ({ id: t.tenantId, displayName: `Bench customer ${i}`, domain: `bench${i}.example` }))],
    applications: (base.applications ?? []).map((app) => (app.appId === SIM.cmkAppClientId && Array.isArray(app.servicePrincipalTenants)
      ? { ...app, servicePrincipalTenants: [...app.servicePrincipalTenants, ...extra.map((t) => t.tenantId)] }
      : app)),
    subscriptions: [...(base.subscriptions ?? []), ...extra.map((t, i) => ({ id: t.subscriptionId, tenantId: t.tenantId, displayName: `Bench ${i}`, resourceGroups: [{ name: "bench-rg", location: "westeurope" }] }))],
    vaults: [...(base.vaults ?? []), ...extra.map((t) => ({ subscriptionId: t.subscriptionId, resourceGroup: "bench-rg", name: t.vault, location: "westeurope", enablePurgeProtection: true, keys: [{ name: KEY_NAME, kty: "RSA" as const, keySize: 3072 }] }))],
    roleAssignments: [...(base.roleAssignments ?? []), ...extra.map((t) => ({ scope: vaultIdOf(t), roleDefinitionId: BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser, principalId: servicePrincipalObjectId(SIM.cmkAppClientId, t.tenantId), principalType: "ServicePrincipal" as const }))],
  };
}

/** Feeds the slot times through a token bucket (size, refill) and counts the reads it would have to refuse. */
export function bucketOverruns(times: number[], bucket: { bucketSize: number; refillPerSecond: number }): { refused: number; lowest: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let tokens = bucket.bucketSize;
  let last = sorted[0] ?? 0;
  let refused = 0;
  let lowest = tokens;
  for (const t of sorted) {
    tokens = Math.min(bucket.bucketSize, tokens + ((t - last) / 1000) * bucket.refillPerSecond);
    last = t;
    if (tokens < 1) refused += 1;
    else tokens -= 1;
    lowest = Math.min(lowest, tokens);
  }
  return { refused, lowest };
}

async function main() {
  const started = Date.now();
  // Every simulator request, by kind (the simulator logs one line per request when not quiet).
  const requests = { armReads: 0, desReads: 0, armWrites: 0, entraTokens: 0, msiTokens: 0, keyVault: 0, throttled: 0, other: 0 };
  // The 429s by service, so the run says whose limit the compressed cycle reached.
  const throttledBy: Record<string, number> = {};
  const original = console.log;
  console.log = (...args: unknown[]) => {
    const line = String(args[0] ?? "");
    const m = /^\[azure-sim\] (\w+) (\S+) → (\d+)/.exec(line);
    if (!m) return original(...args);
    const [, method, pathname, status] = m;
    if (status === "429") {
      requests.throttled += 1;
      const service = pathname!.startsWith("/arm/") ? "ARM" : /\/oauth2\//.test(pathname!) ? "Entra" : /^\/keys\//.test(pathname!) ? "Key Vault" : pathname!.split("/")[1] ?? "other";
      throttledBy[service] = (throttledBy[service] ?? 0) + 1;
    }
    if (pathname!.startsWith("/arm/")) {
      if (method === "GET") {
        requests.armReads += 1;
        if (/\/diskEncryptionSets\/des-bench-/i.test(pathname!)) requests.desReads += 1;
      } else requests.armWrites += 1;
    } else if (/\/oauth2\/v2\.0\/token$/.test(pathname!)) requests.entraTokens += 1;
    else if (pathname!.startsWith("/msi/")) requests.msiTokens += 1;
    else if (/^\/keys\//.test(pathname!)) requests.keyVault += 1;
    else requests.other += 1;
  };

  process.stdout.write(`Health benchmark: ${tenants} tenants, ${checked} checked by the worker (concurrency ${concurrency}), interval ${intervalSeconds / 60} min\n`);
  const database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_bench_health");
  const sim = await startSimulator({ quiet: false, scenario });
  const seedStart = Date.now();
  // One RSA key material for every bench vault (the simulator generates key material lazily per identity).
  const shared = sim.state.vaultByName(benchTenant(0).vault)!.keys.get(KEY_NAME)!.versions[0]!.materialId;
  const keyUrls: string[] = [];
  for (let i = 0; i < tenants; i++) {
    const t = benchTenant(i);
    const vault = sim.state.vaultByName(t.vault)!;
    const version = vault.keys.get(KEY_NAME)!.versions[0]!;
    version.materialId = shared;
    // Each vault has its own port, bound a few at a time.
    for (;;) {
      try {
        keyUrls.push(sim.state.keyId(vault, KEY_NAME, version.version));
        break;
      } catch {
        await sim.vaultListenersReady();
      }
    }
    sim.state.diskEncryptionSets.set({
      id: `/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}/providers/Microsoft.Compute/diskEncryptionSets/${t.des}`,
      name: t.des, subscriptionId: SIM.providerSubscriptionId, resourceGroup: SIM.providerResourceGroup, location: "westeurope", tags: {},
      identity: { type: "UserAssigned", userAssignedIdentities: { [SIM.uami.resourceId]: { principalId: SIM.uami.principalId, clientId: SIM.uami.clientId } } },
      encryptionType: "EncryptionAtRestWithCustomerKey", keyUrl: keyUrls[i]!, federatedClientId: SIM.cmkAppClientId,
      rotationToLatestKeyVersionEnabled: true, previousKeys: [], provisioningState: "Succeeded",
    });
  }
  const simSeedMs = Date.now() - seedStart;

  const appEnv = { ...sim.appEnv(), DATABASE_URL: database.url, SESSION_SECRET: Buffer.alloc(32, 7).toString("base64"), LOG_LEVEL: "warn" };
  Object.assign(process.env, appEnv);
  resetServerEnvForTests();
  const db = createPrismaClient(database.url);
  const dbSeedStart = Date.now();
  const ids: string[] = [];
  for (let from = 0; from < tenants; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, tenants - from) }, (_, k) => from + k);
    const tenantRows = batch.map((i) => ({ id: crypto.randomUUID(), tenantId: benchTenant(i).tenantId, displayName: `Bench customer ${i}`, consentStatus: "GRANTED" as const, healthState: "HEALTHY" as const, servicePrincipalObjectId: servicePrincipalObjectId(SIM.cmkAppClientId, benchTenant(i).tenantId) }));
    const keyRows = batch.map((i, k) => {
      const url = new URL(keyUrls[i]!);
      return { id: crypto.randomUUID(), customerTenantId: tenantRows[k]!.id, vaultResourceId: `/subscriptions/${benchTenant(i).subscriptionId}/resourceGroups/bench-rg/providers/Microsoft.KeyVault/vaults/${benchTenant(i).vault}`, vaultUri: `${url.origin}/`, keyName: KEY_NAME, keyVersion: keyUrls[i]!.split("/").pop() ?? "", keyUrl: keyUrls[i]!, keyType: "RSA", keySize: 3072, permissionModel: "RBAC" as const, region: "westeurope" };
    });
    await db.customerTenant.createMany({ data: tenantRows });
    await db.keyReference.createMany({ data: keyRows });
    await db.diskEncryptionSet.createMany({ data: batch.map((i, k) => ({ customerTenantId: tenantRows[k]!.id, region: "westeurope", name: benchTenant(i).des, armId: `/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}/providers/Microsoft.Compute/diskEncryptionSets/${benchTenant(i).des}`, provisioningState: "SUCCEEDED" as const, healthState: "HEALTHY" as const, keyReferenceId: keyRows[k]!.id })) });
    ids.push(...tenantRows.map((t) => t.id));
  }
  const dbSeedMs = Date.now() - dbSeedStart;

  // The spread, for all tenants: each one's slot within the interval.
  const slotsMs = ids.map((id) => tenantPhase(id) * intervalSeconds * 1000);
  const half = { bucketSize: ARM_READ_LIMITS.bucketSize / 2, refillPerSecond: ARM_READ_LIMITS.refillPerSecond / 2 };
  const spread = bucketOverruns(slotsMs, half);
  const perMinute = new Array<number>(Math.ceil(intervalSeconds / 60)).fill(0);
  for (const s of slotsMs) perMinute[Math.floor(s / 60_000)]! += 1;
  const busiestMinute = Math.max(...perMinute);

  const profile = flags["profile-dir"] ? ["--cpu-prof", `--cpu-prof-dir=${flags["profile-dir"]}`] : [];
  const worker = spawn(process.execPath, [...profile, "--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: childEnv({ ...appEnv, WORKER_CONCURRENCY: String(concurrency), HEALTH_CHECK_INTERVAL_MINUTES: String(intervalSeconds / 60) }),
    stdio: ["ignore", "ignore", "inherit"],
  });
  workerProcess = worker;
  const pid = worker.pid ?? 0;
  while ((await db.workerHeartbeat.count()) === 0) await new Promise((resolve) => setTimeout(resolve, 250));
  // Start-up (module loading, the fleet tasks' first round) is not part of a check's cost.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const queue = await openQueue({ connectionString: database.url, poolSize: 1, role: "client" });
  const counted = { ...requests };
  const throttledBefore = { ...throttledBy };
  const cpuBefore = processCpuSeconds(pid);
  const simCpuBefore = process.cpuUsage();
  const runStart = Date.now();
  // Queued at the pace, one batch each second, while the loop below watches them finish.
  const queueing = (async () => {
    for (let from = 0, second = 0; from < checked; from += pacePerSecond, second += 1) {
      const due = runStart + second * 1000;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      await queue.insert(ids.slice(from, Math.min(checked, from + pacePerSecond)).map((customerTenantId) => ({ name: HEALTH_SCAN_QUEUE, data: { customerTenantId } })));
    }
  })();
  let done = 0;
  while (Date.now() - runStart < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    done = await db.customerTenant.count({ where: { lastHealthCheckAt: { gte: new Date(runStart) } } });
    process.stdout.write(`\r  ${done}/${checked} checked after ${((Date.now() - runStart) / 1000).toFixed(0)} s   `);
    if (done >= checked) break;
  }
  await queueing;
  const runSeconds = (Date.now() - runStart) / 1000;
  const cpuSeconds = processCpuSeconds(pid) - cpuBefore;
  const simCpu = process.cpuUsage(simCpuBefore);
  const simCpuShare = (simCpu.user + simCpu.system) / 1e6 / runSeconds;
  const delta = Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, v - counted[k as keyof typeof counted]])) as typeof requests;
  worker.kill("SIGTERM");
  await new Promise((resolve) => worker.once("exit", resolve));
  await queue.stop({ graceful: false, wait: true });
  const states = await db.customerTenant.groupBy({ by: ["healthState"], _count: true, where: { id: { in: ids } } });

  // A check whose DES read was answered 429 is inconclusive (it keeps the previous state and costs less): counted
  // apart, so the cost per check is that of checks that read the DES and probed the key.
  const armThrottled = (throttledBy.ARM ?? 0) - (throttledBefore.ARM ?? 0);
  const checks = delta.desReads - armThrottled;
  const cpuPerCheck = cpuSeconds / Math.max(1, checks);
  const cpuPer1000 = cpuPerCheck * 1000;
  const cycleCpuShare = (cpuPerCheck * tenants) / intervalSeconds;
  const armReadsPerCheck = (delta.armReads - armThrottled) / Math.max(1, checks);
  const cycleReads = armReadsPerCheck * tenants;
  const readBudget = ARM_READ_LIMITS.refillPerSecond * intervalSeconds;
  const readShare = cycleReads / readBudget;
  const checksPerSecond = done / runSeconds;
  const sweepSeconds = tenants / checksPerSecond;
  const result = {
    benchmark: "health",
    at: new Date().toISOString(),
    tenants, checked, concurrency, intervalSeconds,
    armReadLimit: { ...ARM_READ_LIMITS, source: "https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling" },
    measured: {
      checksCompleted: done, desReads: checks, runSeconds, workerCpuSeconds: cpuSeconds, requests: delta,
      healthStates: Object.fromEntries(states.map((s) => [s.healthState, s._count])),
    },
    cpu: { secondsPer1000Checks: cpuPer1000, cycleShareOfOneCore: cycleCpuShare, bound: CPU_SHARE_BOUND, ratio: cycleCpuShare / CPU_SHARE_BOUND },
    sweep: { checksPerSecond, secondsForAllTenants: sweepSeconds, bound: intervalSeconds, ratio: sweepSeconds / intervalSeconds, workers: 1, simulatorCpuShareDuringRun: simCpuShare, workerCpuCapacityChecksPerCoreSecond: 1 / cpuPerCheck },
    armReads: { perCheck: armReadsPerCheck, perCycle: cycleReads, budgetPerCycle: readBudget, share: readShare, bound: READ_SHARE_BOUND, ratio: readShare / READ_SHARE_BOUND },
    spread: { busiestMinute, averagePerMinute: tenants / (intervalSeconds / 60), halfBucket: half, refusedByHalfBucket: spread.refused, lowestTokens: spread.lowest },
    seeding: { simulatorMs: simSeedMs, databaseMs: dbSeedMs },
  };
  mkdirSync(path.join(ROOT, "bench-results"), { recursive: true });
  const file = path.join(ROOT, "bench-results", `health-${result.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));

  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  process.stdout.write(`\n\nHealth benchmark (${tenants} tenants with a live DES each, one vault and tenant each; compressed cycle: ${checked} queued at ${pacePerSecond}/s, below ARM's read refill, for the worker process)\n`);
  process.stdout.write(`  ARM read limit: token bucket ${ARM_READ_LIMITS.bucketSize}, refill ${ARM_READ_LIMITS.refillPerSecond}/s per subscription and principal (${result.armReadLimit.source})\n`);
  process.stdout.write(`  measured: ${done} checks finished in ${runSeconds.toFixed(1)} s; ${checks} DES reads answered (${armThrottled} answered 429: those checks were inconclusive and are not counted); worker CPU ${cpuSeconds.toFixed(1)} s user+system; outcome ${JSON.stringify(result.measured.healthStates)}\n`);
  process.stdout.write(`  requests: ${delta.armReads} ARM reads, ${delta.armWrites} ARM writes, ${delta.entraTokens} Entra token requests, ${delta.msiTokens} managed-identity token requests, ${delta.keyVault} Key Vault requests, ${delta.throttled} answered 429${delta.throttled ? ` (${Object.entries(throttledBy).map(([k, v]) => `${k} ${v - (throttledBefore[k] ?? 0)}`).filter((x) => !x.endsWith(" 0")).join(", ")})` : ""}\n`);
  process.stdout.write(`  worker CPU per 1,000 tenants checked: ${cpuPer1000.toFixed(1)} s\n`);
  process.stdout.write(`  CPU over one ${intervalSeconds / 60}-minute cycle of ${tenants} tenants: ${pct(cycleCpuShare)} of one core — bound ${pct(CPU_SHARE_BOUND)}, ratio ${result.cpu.ratio.toFixed(2)}\n`);
  process.stdout.write(`  ARM reads per cycle: ${cycleReads.toFixed(0)} (${armReadsPerCheck.toFixed(2)} per check) of ${readBudget} the refill allows = ${pct(readShare)} — bound ${pct(READ_SHARE_BOUND)}, ratio ${result.armReads.ratio.toFixed(2)}\n`);
  process.stdout.write(`  one worker (concurrency ${concurrency}) checked ${checksPerSecond.toFixed(1)} tenants/s as they were queued: a full sweep of ${tenants} takes ${sweepSeconds.toFixed(0)} s — bound ${intervalSeconds} s, ratio ${result.sweep.ratio.toFixed(2)} (the simulator, in this process, used ${pct(simCpuShare)} of a core meanwhile; the worker's CPU alone allows ${(1 / cpuPerCheck).toFixed(0)} checks per core-second)\n`);
  process.stdout.write(`  spread: busiest minute ${busiestMinute} checks (average ${result.spread.averagePerMinute.toFixed(0)}); slots through a bucket of ${half.bucketSize}, refill ${half.refillPerSecond}/s (half of ARM's): ${spread.refused} refused, lowest ${spread.lowest.toFixed(0)} tokens left\n`);
  process.stdout.write(`  seeding: simulator ${simSeedMs} ms, database ${dbSeedMs} ms; whole run ${((Date.now() - started) / 1000).toFixed(1)} s\n  saved ${path.relative(ROOT, file)}\n`);

  await db.$disconnect();
  await sim.stop();
  await database.drop();
  const ok = done >= checked && result.cpu.ratio <= 1 && result.armReads.ratio <= 1 && spread.refused === 0;
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ Benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
