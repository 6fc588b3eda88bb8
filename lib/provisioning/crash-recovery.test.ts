// Crash safety: the real worker process (scripts/worker.ts) is killed with SIGKILL in the middle of the DES
// long-running operation, then started again. Exactly one DES in Azure and one consistent state in the
// database must come out of it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { childEnv } from "../env";
import { enqueueProvisioning } from "./service";
import { jobFinished, resetHarness, seedSubmittedTenant, simDesCount, startHarness, waitFor, type ProvisioningHarness } from "./testing";

const ROOT = path.resolve(import.meta.dirname, "../..");
let h: ProvisioningHarness;
const children = new Set<ChildProcess>();

function startWorkerProcess(): ChildProcess {
  // One process (node --import tsx, as `npm run worker`), so SIGKILL hits the worker itself and not a wrapper.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: childEnv({ JOB_LEASE_SECONDS: "5", WORKER_CONCURRENCY: "2", LOG_LEVEL: "silent" }),
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

async function stopGracefully(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

beforeAll(async () => {
  h = await startHarness("cmk_crash", { lroDurationMs: 300 });
}, 60_000);

afterEach(async () => {
  for (const child of children) await kill9(child);
  await resetHarness(h);
});

afterAll(async () => {
  await h?.close();
});

async function submitContoso() {
  const { tenant, keyReference } = await seedSubmittedTenant(h.db, h.sim, "contoso");
  return { tenant, ...(await enqueueProvisioning(h.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: "admin-oid" })) };
}

async function expectOneConsistentDes(jobId: string, diskEncryptionSetId: string) {
  const job = await jobFinished(h.db, jobId, 45_000);
  expect(job.status).toBe("SUCCEEDED");
  expect(job.lockedBy).toBeNull();
  expect(job.attemptLog.every((a) => a.finishedAt !== null)).toBe(true);
  const rows = await h.db.diskEncryptionSet.findMany();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ id: diskEncryptionSetId, provisioningState: "SUCCEEDED", lastErrorCode: null });
  const inAzure = h.sim.state.diskEncryptionSets.values();
  expect(inAzure).toHaveLength(1);
  expect(simDesCount(h.sim, rows[0]!.name)).toBe(1);
  expect(inAzure[0]).toMatchObject({ id: rows[0]!.armId, provisioningState: "Succeeded" });
  expect(await h.db.job.count()).toBe(1);
  return job;
}

describe("kill -9 recovery", () => {
  it("killed while the DES operation is in flight: the restarted worker adopts the finished DES", async () => {
    h.sim.faults.stallNextOperations(1);
    const { jobId, diskEncryptionSetId } = await submitContoso();
    const first = startWorkerProcess();
    await waitFor(async () => [...h.sim.state.operations.values()].some((op) => op.kind === "create" && op.stalled), 30_000, "the DES PUT to be in flight");
    expect(await h.db.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: "RUNNING" });
    expect(await h.db.diskEncryptionSet.findUniqueOrThrow({ where: { id: diskEncryptionSetId } })).toMatchObject({ provisioningState: "CREATING" });
    await kill9(first);
    // Azure finishes the operation while no worker is alive.
    expect(h.sim.faults.releaseStalledOperations()).toBe(1);

    const second = startWorkerProcess();
    const job = await expectOneConsistentDes(jobId, diskEncryptionSetId);
    expect(job.attemptLog[0]).toMatchObject({ attempt: 1, errorCode: "WorkerLost" });
    expect(job.attemptLog.at(-1)).toMatchObject({ errorCode: null });
    expect([...h.sim.state.operations.values()].filter((op) => op.kind === "create")).toHaveLength(1);
    expect(await stopGracefully(second)).toBe(0);
  }, 90_000);

  it("killed at once after it took the job, and again while the operation is still running: one DES", async () => {
    h.sim.faults.setSettings({ lroDurationMs: 4_000 });
    const { jobId, diskEncryptionSetId } = await submitContoso();
    const first = startWorkerProcess();
    await waitFor(async () => (await h.db.job.findUniqueOrThrow({ where: { id: jobId } })).status === "RUNNING", 30_000, "the job to start");
    await kill9(first);
    const second = startWorkerProcess();
    await waitFor(async () => [...h.sim.state.operations.values()].some((op) => op.kind === "create" && op.status === "InProgress"), 30_000, "the DES PUT");
    await kill9(second);
    h.sim.faults.setSettings({ lroDurationMs: 300 });
    startWorkerProcess();
    await expectOneConsistentDes(jobId, diskEncryptionSetId);
  }, 120_000);
});
