// The fleet as production runs it, on one database: two worker processes (the real entry, scripts/worker.ts) and two
// web instances' queue clients. Every scheduled task runs once per period, never twice; and a 429 from ARM that one
// worker sees pauses the other worker's writes until Retry-After. What happened is read from the workers' own log
// lines, the database and the simulator's log of ARM writes, not from chance.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuditSigningKeyText, parseAuditSigningKey } from "../audit/checkpoint-key";
import { childEnv } from "../env";
import { enqueueProvisioning } from "../provisioning/service";
import { seedSubmittedTenant, startHarness, waitFor, type ProvisioningHarness } from "../provisioning/testing";
import { fleetTasks } from "./fleet-tasks";
import { openQueue } from "./queue";
import { periodOf } from "./schedules";

const ROOT = path.resolve(import.meta.dirname, "../..");
const AUDIT_KEY = generateAuditSigningKeyText();
/** Every task the worker entry runs (it turns on health, provider readiness and, with a key, audit checkpoints). */
const TASKS = fleetTasks({ sweepIntervalMs: 60_000, healthIntervalMinutes: 15, audit: { key: parseAuditSigningKey(AUDIT_KEY) }, providerReadiness: true }).map((task) => task.name);
/**
 * Short periods, each longer than a run takes on a busy machine: the provider readiness check calls ARM and Graph
 * several times (a run that outlasts its period on every worker would rightly skip the next).
 */
const PERIOD_SECONDS: Record<string, number> = Object.fromEntries(TASKS.map((task) => [task, task === "provider-readiness" ? 10 : 5]));
const periodMs = (task: string) => (PERIOD_SECONDS[task] ?? 0) * 1000;

type LogLine = { msg?: string; worker?: string; task?: string; periodStart?: string; jobId?: string; attempt?: number; status?: string; azureCode?: string };
type FleetWorker = { process: ChildProcess; id: Promise<string>; lines: LogLine[] };

let h: ProvisioningHarness;
const web: PgBoss[] = [];
const workers: FleetWorker[] = [];
let fleetStartedAt = 0;

function startWorkerProcess(): FleetWorker {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: childEnv({
      LOG_LEVEL: "debug", JOB_LEASE_SECONDS: "30", WORKER_CONCURRENCY: "2", AUDIT_SIGNING_KEY: AUDIT_KEY,
      SCHEDULED_TASK_PERIOD_SECONDS: TASKS.map((task) => `${task}=${PERIOD_SECONDS[task]}`).join(","),
    }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: LogLine[] = [];
  const id = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const running = /^worker (\S+) running/.exec(line);
      if (running?.[1]) resolve(running[1]);
      else if (line.startsWith("{")) lines.push(JSON.parse(line) as LogLine);
    });
    child.once("exit", (code) => reject(new Error(`worker exited (${code}) before it started`)));
  });
  return { process: child, id, lines };
}

/** SIGSTOP: the process keeps its connections but does nothing (it takes no job) until thawed. */
const frozen = new Set<FleetWorker>();
function freeze(worker: FleetWorker) {
  worker.process.kill("SIGSTOP");
  frozen.add(worker);
}
function thaw(worker: FleetWorker) {
  worker.process.kill("SIGCONT");
  frozen.delete(worker);
}

async function stopWorker(worker: FleetWorker): Promise<void> {
  if (frozen.has(worker)) thaw(worker);
  if (worker.process.exitCode !== null) return;
  await new Promise((resolve) => {
    const kill = setTimeout(() => worker.process.kill("SIGKILL"), 30_000);
    worker.process.once("exit", () => resolve(clearTimeout(kill)));
    worker.process.kill("SIGTERM");
  });
}

/** A consented customer whose key is Contoso's (the simulator's vaults take a port each); its own DES name. */
async function seedCustomer(n: number) {
  const { keyReference: template } = await seedSubmittedTenant(h.db, h.sim, "contoso");
  const tenant = await h.db.customerTenant.create({ data: { tenantId: `f1ee7000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`, displayName: `Fleet customer ${n}`, consentStatus: "GRANTED" } });
  const { id: _id, customerTenantId: _tenant, createdAt: _created, updatedAt: _updated, ...key } = template;
  const keyReference = await h.db.keyReference.create({ data: { ...key, customerTenantId: tenant.id } });
  return { tenant, keyReference };
}

/** Queues one customer's DES through the given web instance's queue client. */
async function submit(customer: Awaited<ReturnType<typeof seedCustomer>>, via: PgBoss) {
  const { tenant, keyReference } = customer;
  const queued = await enqueueProvisioning(h.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: "fleet-test" }, { queue: via });
  const des = await h.db.diskEncryptionSet.findUniqueOrThrow({ where: { id: queued.diskEncryptionSetId } });
  return { jobId: queued.jobId, desName: des.name.toLowerCase() };
}

const writesTo = (desName: string) => h.sim.stats.armWriteLog.filter((write) => write.path.toLowerCase().endsWith(`/diskencryptionsets/${desName}`));

beforeAll(async () => {
  h = await startHarness("cmk_fleet", { lroDurationMs: 300 });
  for (let i = 0; i < 2; i += 1) web.push(await openQueue({ connectionString: h.databaseUrl, poolSize: 1, role: "client" }));
  workers.push(startWorkerProcess(), startWorkerProcess());
  await Promise.all(workers.map((worker) => worker.id));
  fleetStartedAt = Date.now();
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map(stopWorker));
  await Promise.all(web.map((client) => client.stop({ graceful: false, wait: true })));
  await h?.close();
}, 60_000);

describe("a fleet of two worker processes and two web instances on one database", () => {
  it("runs every scheduled task once per period between the two worker processes, never twice", async () => {
    const longest = Math.max(...TASKS.map(periodMs));
    // At least three whole periods of every task after both workers ran, and one more for the last runs to finish
    // (about 50 s: most of this file's time).
    const until = periodOf(fleetStartedAt, longest).end.getTime() + 4 * longest;
    if (Date.now() < until) await new Promise((resolve) => setTimeout(resolve, until - Date.now()));

    const ids = await Promise.all(workers.map((worker) => worker.id));
    const runs = workers.flatMap((worker) => worker.lines.filter((line) => line.msg === "scheduled task ran"));
    expect(runs.every((run) => ids.includes(run.worker ?? ""))).toBe(true);
    for (const task of TASKS) {
      // Its whole periods from the first that began after both workers ran to the last that ended a period ago.
      const period = periodMs(task);
      const first = periodOf(fleetStartedAt, period).end.getTime();
      const last = periodOf(Date.now(), period).start.getTime() - period;
      const expected = Array.from({ length: (last - first) / period + 1 }, (_, k) => new Date(first + k * period).toISOString());
      expect(expected.length, task).toBeGreaterThanOrEqual(3);
      const periods = runs.filter((run) => run.task === task).map((run) => run.periodStart ?? "");
      expect(new Set(periods).size, `${task} ran twice in a period: ${periods.join(", ")}`).toBe(periods.length);
      expect(periods.filter((start) => expected.includes(start)).sort(), `${task} ran in these periods: ${periods.join(", ")}`).toEqual(expected);
      const claimed = await h.db.scheduledTaskRun.findMany({ where: { task, periodStart: { gte: new Date(first), lte: new Date(last) }, finishedAt: { not: null } } });
      expect(claimed.map((run) => run.periodStart.toISOString()).sort(), task).toEqual(expected);
    }
  }, 120_000);

  it("a 429 seen by one worker pauses the other's ARM writes until Retry-After", async () => {
    const [a, b] = workers as [FleetWorker, FleetWorker];
    const [idA, idB] = await Promise.all([a.id, b.id]);
    // Which worker takes a job is up to the queue, so each phase freezes the worker that must not take it (SIGSTOP):
    // first B, so that A sees the 429; then A, so that B takes the jobs queued during the pause.
    const customers = [];
    for (let n = 1; n <= 5; n += 1) customers.push(await seedCustomer(n));
    freeze(b);
    // ARM's write bucket holds one token and refills slowly: the first DES write goes, the next is answered 429
    // with a Retry-After of up to 20 seconds.
    h.sim.faults.setArmThrottle({ writes: { bucketSize: 1, refillPerSecond: 1 / 20 } });
    const first = await submit(customers[0]!, web[0]!);
    await waitFor(async () => writesTo(first.desName).some((write) => write.status < 300), 60_000, "the first DES write");
    const throttled = await submit(customers[1]!, web[1]!);
    const refusal = await waitFor(async () => writesTo(throttled.desName).find((write) => write.status === 429), 60_000, "ARM's 429");
    const pauseEnd = refusal.at + (refusal.retryAfterSeconds ?? 0) * 1000;
    expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(5);
    const sawIt = await waitFor(async () => a.lines.find((line) => line.msg === "job attempt finished" && line.jobId === throttled.jobId), 30_000, "A to record the 429");
    expect(sawIt).toMatchObject({ attempt: 1, status: "retry", azureCode: "SubscriptionRequestsThrottled" });
    // ARM would take writes again at once: whatever waits now, waits for the fleet's pause.
    h.sim.faults.setArmThrottle({ writes: { bucketSize: 200, refillPerSecond: 10 } });

    // Three more customers, queued while neither worker can take them; then only B can.
    freeze(a);
    const batch = await Promise.all(customers.slice(2).map((customer, i) => submit(customer, web[i % 2]!)));
    thaw(b);
    // B takes them while the pause lasts: it has writes to make.
    await waitFor(async () => (await h.db.job.count({ where: { id: { in: batch.map((job) => job.jobId) }, lockedBy: idB } })) === batch.length, 30_000, "B to take the new jobs");
    expect(Date.now(), "B took the jobs before the pause ended").toBeLessThan(pauseEnd);
    thaw(a);
    const all = [first, throttled, ...batch];
    await waitFor(async () => (await h.db.job.count({ where: { id: { in: all.map((job) => job.jobId) }, status: "SUCCEEDED" } })) === all.length, 90_000, "every job to succeed");

    // B's attempts are on record, begun during the pause; its writes all came after it, and nobody wrote during it.
    const bAttempts = b.lines.filter((line) => line.msg === "job attempt finished" && batch.some((job) => job.jobId === line.jobId));
    expect(bAttempts.map((line) => line.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    const starts = await h.db.jobAttempt.findMany({ where: { jobId: { in: batch.map((job) => job.jobId) } } });
    expect(starts.map((attempt) => attempt.startedAt.getTime() < pauseEnd)).toEqual([true, true, true]);
    expect(h.sim.stats.armWriteLog.filter((write) => write.at > refusal.at && write.at < pauseEnd)).toEqual([]);
    for (const job of batch) {
      const writes = writesTo(job.desName);
      expect(writes.map((write) => write.status < 300), job.desName).toEqual([true]);
      expect(writes[0]!.at, `${job.desName} written at ${new Date(writes[0]!.at).toISOString()}, pause until ${new Date(pauseEnd).toISOString()}`).toBeGreaterThanOrEqual(pauseEnd);
    }
    expect(idA).not.toBe(idB);
    // ARM answered only that one 429, and Azure holds one DES per customer.
    expect(h.sim.stats.armWriteLog.filter((write) => write.status === 429)).toEqual([refusal]);
    for (const job of all) expect(h.sim.state.diskEncryptionSets.values().filter((des) => des.name.toLowerCase() === job.desName)).toHaveLength(1);
  }, 180_000);
});
