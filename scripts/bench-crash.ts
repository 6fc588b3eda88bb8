// `npm run bench:crash [-- --runs 21 --seed N --lease-seconds 5]`: crash safety at random points, measured.
// The real worker process (scripts/worker.ts) runs one provisioning, key rotation or revocation job against the
// simulator and is killed with SIGKILL at a random moment; a fresh worker takes over (in some runs it is
// killed again while recovering). Each run then checks: the job SUCCEEDED, no lease or attempt left open,
// exactly one DES, and no Azure operation issued twice (counted in the simulator's control API snapshot,
// GET /__sim/state). Prints "N/N consistent" and the worst recovery time against the lease length.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { get } from "node:https";
import path from "node:path";
import { parseArgs } from "node:util";
import { ensureSimCa } from "../e2e/azure-sim/ca";
import { startSimulator, type SimHandle } from "../e2e/azure-sim/index";
import { SIM } from "../e2e/azure-sim/seed";
import { createPrismaClient, type Db } from "../lib/db/client";
import { createDisposableDatabase } from "../lib/db/test-database";
import { childEnv, resetServerEnvForTests, toolingEnv } from "../lib/env";
import { closeSharedQueue } from "../lib/jobs/queue";
import { enqueueProvisioning } from "../lib/provisioning/service";
import { onboardedScenario } from "../lib/provisioning/sim-scenario";
import { jobFinished, seedSubmittedTenant, waitFor } from "../lib/provisioning/testing";
import { enqueueSupportJob } from "../lib/support/jobs";
import { newContosoKeyVersion, providerCompute, vmId } from "../lib/support/testing";
import { seededRandom } from "../lib/dashboard/demo-seed";

const ROOT = path.resolve(import.meta.dirname, "..");
const KINDS = ["provisioning", "rotation", "revocation"] as const;
type Kind = (typeof KINDS)[number];

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "21" },
    kinds: { type: "string", default: KINDS.join(",") },
    seed: { type: "string" },
    "lease-seconds": { type: "string", default: "5" },
    "lro-ms": { type: "string", default: "1500" },
    // Set on the re-executed process that trusts the simulator's CA (NODE_EXTRA_CA_CERTS is read at start-up).
    "ca-trusted": { type: "boolean", default: false },
  },
});
const runs = Number(flags.runs);
const kinds = flags.kinds.split(",").filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
if (kinds.length === 0) throw new Error(`--kinds must list some of ${KINDS.join(", ")}`);
const seed = flags.seed === undefined ? Date.now() % 1_000_000 : Number(flags.seed);
const leaseSeconds = Number(flags["lease-seconds"]);
const lroMs = Number(flags["lro-ms"]);
/** Kills land anywhere in the first LRO-length of an attempt: before, during or after the Azure call. */
const KILL_WINDOW_MS = lroMs;
/** A VM deallocation that takes longer than the lease plus the takeover. */
const REVOCATION_LRO_MS = (leaseSeconds + 10) * 1000;

const random = seededRandom(seed);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type SimOperation = { id: string; kind: string; resourceId?: string; status: string };

/** The simulator's operations, read the way any client would: its control API snapshot. */
function simOperations(sim: SimHandle, ca: Buffer): Promise<SimOperation[]> {
  return new Promise((resolve, reject) => {
    get(`${sim.url}/__sim/state`, { ca }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve((JSON.parse(body) as { operations: SimOperation[] }).operations));
    }).on("error", reject);
  });
}

type Scenario = {
  jobId: string;
  /** Operations the job itself must issue exactly once: [kind, resource id]. */
  expectedOperations: [string, string][];
  /** Kind-specific end state, as a list of problems (empty when consistent). */
  check(): Promise<string[]>;
};

async function provisioningScenario(db: Db, sim: SimHandle, rotationToLatest = true): Promise<Scenario> {
  const { tenant, keyReference } = await seedSubmittedTenant(db, sim, "contoso");
  const { jobId, diskEncryptionSetId } = await enqueueProvisioning(db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest, requestedBy: "bench" });
  const des = await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: diskEncryptionSetId } });
  const armId = `/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}/providers/Microsoft.Compute/diskEncryptionSets/${des.name}`;
  return {
    jobId,
    expectedOperations: [["create", armId]],
    async check() {
      const rows = await db.diskEncryptionSet.findMany();
      const problems: string[] = [];
      if (rows.length !== 1 || rows[0]?.provisioningState !== "SUCCEEDED") problems.push(`DES rows: ${rows.map((r) => r.provisioningState).join(",")}`);
      if (rows[0] && rows[0].armId?.toLowerCase() !== armId.toLowerCase()) problems.push(`DES row points at ${rows[0].armId}`);
      return problems;
    },
  };
}

/**
 * A provisioned DES (through the product's own job, run by the worker pool) with the matching database rows.
 * Auto-rotation off, so only the job under test moves the key.
 */
async function provisionedContoso(db: Db, sim: SimHandle) {
  const setup = await provisioningScenario(db, sim, false);
  await jobFinished(db, setup.jobId, 120_000);
  const des = await db.diskEncryptionSet.findFirstOrThrow({ include: { keyReference: true } });
  if (des.provisioningState !== "SUCCEEDED" || !des.armId) throw new Error(`set-up provisioning ended ${des.provisioningState}`);
  return { des, armId: des.armId };
}

async function rotationScenario(db: Db, sim: SimHandle): Promise<Scenario> {
  const { des, armId } = await provisionedContoso(db, sim);
  const targetKeyUrl = await newContosoKeyVersion(sim);
  const job = await enqueueSupportJob(db, {
    kind: "ROTATE_KEY", customerTenantId: des.customerTenantId, idempotencyKey: `bench-rotate:${des.id}`, requestedBy: "bench",
    payload: { diskEncryptionSetId: des.id, operation: "switch-key", targetKeyUrl, fromKeyUrl: des.keyReference.keyUrl, requestId: null, requestedByName: "bench" },
  });
  return {
    jobId: job.id,
    expectedOperations: [["update", armId]],
    async check() {
      const live = sim.state.diskEncryptionSets.values()[0];
      const row = await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: des.id }, include: { keyReference: true } });
      const problems: string[] = [];
      if (live?.keyUrl.toLowerCase() !== targetKeyUrl.toLowerCase()) problems.push("DES in Azure is not on the target key");
      if (row.keyReference.keyUrl !== targetKeyUrl) problems.push("DES row is not on the target key");
      return problems;
    },
  };
}

async function revocationScenario(db: Db, sim: SimHandle): Promise<Scenario> {
  const { des, armId } = await provisionedContoso(db, sim);
  // The provider's VM vm-app-1 runs on a disk encrypted with the customer's key.
  const compute = providerCompute(sim);
  const fast = { updateIntervalInMs: 50 };
  await compute.virtualMachines.beginDeallocateAndWait(SIM.providerResourceGroup, "vm-app-1", fast);
  await compute.disks.beginUpdateAndWait(SIM.providerResourceGroup, "vm-app-1-osdisk", { encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: armId } }, fast);
  await compute.virtualMachines.beginStartAndWait(SIM.providerResourceGroup, "vm-app-1", fast);
  // The job's deallocation outlasts the lease, as it can in Azure: a worker taking over finds the VM still deallocating.
  sim.faults.setSettings({ lroDurationMs: REVOCATION_LRO_MS });
  const now = new Date();
  const request = await db.revocationRequest.create({
    data: {
      customerTenantId: des.customerTenantId, reason: "Crash benchmark: customer asked to cut off access", requestedByOid: randomUUID(), requestedByName: "bench",
      requestedAt: now, expiresAt: new Date(now.getTime() + 3_600_000), impact: {}, stoppedVmIds: [], status: "APPROVED", decidedByOid: randomUUID(), decidedByName: "bench", decidedAt: now,
    },
  });
  const job = await enqueueSupportJob(db, { kind: "REVOKE", customerTenantId: des.customerTenantId, idempotencyKey: `bench-revoke:${request.id}`, payload: { revocationRequestId: request.id, requestId: null }, requestedBy: "bench" });
  const vm = vmId("vm-app-1");
  return {
    jobId: job.id,
    expectedOperations: [["deallocate", vm]],
    async check() {
      const row = await db.revocationRequest.findUniqueOrThrow({ where: { id: request.id } });
      const power = sim.state.virtualMachines.values().find((v) => v.name === "vm-app-1")?.powerState;
      const problems: string[] = [];
      if (row.status !== "EXECUTED") problems.push(`revocation ${row.status}`);
      if (row.stoppedVmIds.length !== 1 || row.stoppedVmIds[0]?.toLowerCase() !== vm.toLowerCase()) problems.push(`stoppedVmIds ${row.stoppedVmIds.join(",")}`);
      if (power !== "deallocated") problems.push(`vm-app-1 is ${power}`);
      return problems;
    },
  };
}

const SCENARIOS: Record<Kind, (db: Db, sim: SimHandle) => Promise<Scenario>> = { provisioning: provisioningScenario, rotation: rotationScenario, revocation: revocationScenario };

type RunResult = { run: number; kind: Kind; kills: { afterMs: number; azureInFlight: boolean; jobAlreadyEnded: boolean }[]; recoveryMs: number; takenOverMs: number; problems: string[] };

async function main() {
  const ca = ensureSimCa();
  if (!flags["ca-trusted"]) {
    // Set-up calls Azure from this process too: start again with the simulator's CA trusted from the first instruction.
    const again = spawnSync(process.execPath, ["--import", "tsx", path.relative(ROOT, import.meta.filename), ...process.argv.slice(2), "--ca-trusted"], { cwd: ROOT, env: childEnv({ NODE_EXTRA_CA_CERTS: ca.bundlePath }), stdio: "inherit" });
    process.exit(again.status ?? 1);
  }
  const begun = Date.now();
  const database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, "cmk_crash_bench");
  const sim = await startSimulator({ quiet: true, lroDurationMs: lroMs, scenario: onboardedScenario });
  const caCert = readFileSync(sim.ca.caCertPath);
  const appEnv = { ...sim.appEnv(), DATABASE_URL: database.url, SESSION_SECRET: Buffer.alloc(32, 7).toString("base64"), LOG_LEVEL: "silent" };
  Object.assign(process.env, appEnv);
  resetServerEnvForTests();
  const db = createPrismaClient(database.url);
  const workers = new Set<ChildProcess>();

  const startWorkerProcess = (): ChildProcess => {
    // One process (node --import tsx), so SIGKILL hits the worker itself and not a wrapper.
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      cwd: ROOT,
      env: childEnv({ ...appEnv, JOB_LEASE_SECONDS: String(leaseSeconds), WORKER_CONCURRENCY: "2" }),
      stdio: ["ignore", "pipe", "inherit"],
    });
    workers.add(child);
    child.once("exit", () => workers.delete(child));
    return child;
  };
  /** Resolves once the worker printed its start-up line (it consumes jobs from then on). */
  const started = (child: ChildProcess) => new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString("utf8").includes("running") && resolve());
    child.once("exit", () => reject(new Error("a worker exited during start-up")));
  });
  const kill9 = (child: ChildProcess) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
  const jobRow = (id: string) => db.job.findUniqueOrThrow({ where: { id }, include: { attemptLog: true } });
  const finished = (status: string) => status === "SUCCEEDED" || status === "FAILED";
  /**
   * Several workers, as in production: the one holding the job's lease is killed and another takes over. Three,
   * so that a survivor is up even when the recovering worker is killed too before the replacement has started.
   */
  const POOL = 3;
  // One at a time: pg-boss creates its schema on first start, and concurrent first starts deadlock.
  const fillPool = async () => {
    while (workers.size < POOL) await started(startWorkerProcess());
  };
  /** Kills whichever worker holds attempt `attempt` of the job, a random time after it began (unless the job ends first). */
  const killLeaseHolder = async (jobId: string, attempt: number, windowMs: number) => {
    const row = await waitFor(async () => {
      const job = await jobRow(jobId);
      return (job.attempts >= attempt && job.status === "RUNNING" && job.lockedBy) || finished(job.status) ? job : undefined;
    }, 60_000, `attempt ${attempt} of job ${jobId}`);
    const afterMs = Math.round(random() * windowMs);
    await sleep(afterMs);
    const pid = Number(/^worker-(\d+)-/.exec(row.lockedBy ?? "")?.[1]);
    const holder = [...workers].find((w) => w.pid === pid);
    const azureInFlight = [...sim.state.operations.values()].some((op) => op.status === "InProgress");
    if (holder) await kill9(holder);
    return { afterMs, azureInFlight, jobAlreadyEnded: finished(row.status) || !holder };
  };

  const results: RunResult[] = [];
  try {
    await fillPool();
    for (let run = 1; run <= runs; run++) {
      const kind = kinds[(run - 1) % kinds.length]!;
      const secondKill = Math.floor((run - 1) / kinds.length) % 2 === 1;
      sim.reset();
      sim.faults.setSettings({ lroDurationMs: lroMs });
      await db.$executeRawUnsafe(`TRUNCATE "Job", "DiskEncryptionSet", "KeyReference", "CustomerTenant", "HealthEvent" CASCADE`);
      const scenario = await SCENARIOS[kind](db, sim);
      const before = new Set((await simOperations(sim, caCert)).map((op) => op.id));

      const kills: RunResult["kills"] = [];
      const window = kind === "revocation" ? REVOCATION_LRO_MS / 2 : KILL_WINDOW_MS;
      const first = await killLeaseHolder(scenario.jobId, 1, window);
      kills.push(first);
      let killedAt = Date.now();
      // The replacement starts now; the surviving worker is the one expected to recover the job.
      let replacement = fillPool();
      if (secondKill && !first.jobAlreadyEnded) {
        const second = await killLeaseHolder(scenario.jobId, (await jobRow(scenario.jobId)).attempts + 1, window);
        kills.push(second);
        if (!second.jobAlreadyEnded) killedAt = Date.now();
        replacement = replacement.then(fillPool);
      }
      const job = await waitFor(async () => {
        const row = await jobRow(scenario.jobId);
        return finished(row.status) ? row : undefined;
      }, 120_000, `job ${scenario.jobId} to finish`);
      const recoveryMs = Math.max(0, (job.finishedAt?.getTime() ?? Date.now()) - killedAt);
      const takeovers = job.attemptLog.map((a) => a.startedAt.getTime()).filter((t) => t >= killedAt);
      const takenOverMs = takeovers.length > 0 ? Math.min(...takeovers) - killedAt : 0;
      await replacement;

      const problems: string[] = [];
      if (job.status !== "SUCCEEDED") problems.push(`job ${job.status} (${job.lastErrorCode})`);
      if (job.lockedBy !== null || job.lockedUntil !== null) problems.push("lease left on the job");
      if (job.attemptLog.some((a) => a.finishedAt === null)) problems.push("an attempt left open");
      const open = await db.job.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } });
      if (open > 0) problems.push(`${open} job(s) still queued or running`);
      const desInAzure = sim.state.diskEncryptionSets.values().length;
      if (desInAzure !== 1) problems.push(`${desInAzure} DES in Azure`);
      const operations = (await simOperations(sim, caCert)).filter((op) => !before.has(op.id));
      for (const [opKind, resourceId] of scenario.expectedOperations) {
        const count = operations.filter((op) => op.kind === opKind && op.resourceId?.toLowerCase() === resourceId.toLowerCase()).length;
        if (count !== 1) problems.push(`${count} '${opKind}' operations on ${resourceId.split("/").pop()}`);
      }
      const unexpected = operations.filter((op) => !scenario.expectedOperations.some(([k, r]) => op.kind === k && op.resourceId?.toLowerCase() === r.toLowerCase()));
      if (unexpected.length > 0) problems.push(`unexpected operations: ${unexpected.map((op) => `${op.kind} ${op.resourceId?.split("/").pop()}`).join(", ")}`);
      problems.push(...(await scenario.check()));

      const result = { run, kind, kills, recoveryMs, takenOverMs, problems };
      results.push(result);
      const killText = kills.map((k) => `${k.afterMs} ms${k.jobAlreadyEnded ? " (job had ended)" : k.azureInFlight ? " (Azure op in flight)" : ""}`).join(" + ");
      process.stdout.write(`  run ${String(run).padStart(2)} ${kind.padEnd(12)} kill -9 after ${killText.padEnd(50)} taken over in ${(takenOverMs / 1000).toFixed(1).padStart(4)} s, done in ${(recoveryMs / 1000).toFixed(1).padStart(4)} s  ${problems.length === 0 ? "consistent" : `INCONSISTENT: ${problems.join("; ")}`}\n`);
    }
  } finally {
    for (const child of [...workers]) await kill9(child);
  }

  const consistent = results.filter((r) => r.problems.length === 0).length;
  const worst = results.reduce((w, r) => (r.recoveryMs > w.recoveryMs ? r : w), results[0]!);
  const killCount = results.reduce((n, r) => n + r.kills.length, 0);
  const inFlight = results.reduce((n, r) => n + r.kills.filter((k) => k.azureInFlight && !k.jobAlreadyEnded).length, 0);
  const late = results.reduce((n, r) => n + r.kills.filter((k) => k.jobAlreadyEnded).length, 0);
  process.stdout.write(`\nCrash benchmark (seed ${seed}, ${runs} runs: ${kinds.map((k) => `${results.filter((r) => r.kind === k).length} ${k}`).join(", ")})\n`);
  process.stdout.write(`  kills: ${killCount} kill -9 (${results.filter((r) => r.kills.length > 1).length} runs killed again during recovery), ${inFlight} while an Azure operation was in flight, ${late} after the job had already ended\n`);
  process.stdout.write(`  ${consistent}/${results.length} consistent (job SUCCEEDED, no lease or attempt left open, one DES, no Azure operation issued twice)\n`);
  process.stdout.write(`  worst recovery: ${(worst.recoveryMs / 1000).toFixed(1)} s (run ${worst.run}, ${worst.kind}) against a lease of ${leaseSeconds} s; median ${(median(results.map((r) => r.recoveryMs)) / 1000).toFixed(1)} s — recovery = last kill to job SUCCEEDED, another worker of the pool taking over\n`);
  const slowestTakeover = results.reduce((w, r) => (r.takenOverMs > w.takenOverMs ? r : w), results[0]!);
  process.stdout.write(`  worst takeover: ${(slowestTakeover.takenOverMs / 1000).toFixed(1)} s after the kill (run ${slowestTakeover.run}), lease ${leaseSeconds} s\n`);
  process.stdout.write(`  after the last kill (medians): job taken over by the surviving worker in ${(median(results.map((r) => r.takenOverMs)) / 1000).toFixed(1)} s, finished in ${(median(results.map((r) => r.recoveryMs)) / 1000).toFixed(1)} s (takeover waits for the lease to lapse, the next sweep every ${Math.max(2, leaseSeconds / 2)} s and the queue's 2 s poll)\n`);
  process.stdout.write(`  wall time: ${((Date.now() - begun) / 1000).toFixed(0)} s\n`);

  await closeSharedQueue();
  await db.$disconnect();
  await sim.stop();
  await database.drop();
  process.exit(consistent === results.length ? 0 : 1);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`✖ Crash benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
