// Graceful shutdown of the production worker (the esbuild bundle, started as the Dockerfile does): SIGTERM in
// the middle of a long job ends the process within 30 s and hands the job back at once, so the next worker
// takes it over without waiting for the lease to lapse.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv } from "../lib/env";
import { enqueueProvisioning } from "../lib/provisioning/service";
import { jobFinished, seedSubmittedTenant, startHarness, waitFor, type ProvisioningHarness } from "../lib/provisioning/testing";
import { bundleEntryPoints } from "./build-artifacts";

const ROOT = path.resolve(import.meta.dirname, "..");
// Inside the repository, so the bundle's packages resolve from node_modules as they do in the image's /app.
const BUNDLES = path.join(ROOT, `dist-test-${randomBytes(4).toString("hex")}`);
let h: ProvisioningHarness;
const children = new Set<ChildProcess>();

function startBundledWorker(): ChildProcess {
  const child = spawn(process.execPath, [path.join(BUNDLES, "worker.mjs")], {
    cwd: ROOT,
    // The fleet's stale-job sweep runs every half lease (10 s here): it wakes a worker for a released job.
    env: childEnv({ JOB_LEASE_SECONDS: "20", WORKER_CONCURRENCY: "2", LOG_LEVEL: "silent" }),
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

beforeAll(async () => {
  await bundleEntryPoints(BUNDLES);
  h = await startHarness("cmk_shutdown", { lroDurationMs: 300 });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await h?.close();
  rmSync(BUNDLES, { recursive: true, force: true });
});

describe("bundled worker on SIGTERM", () => {
  it("exits within 30 s during a long DES operation and releases the job, which the next worker finishes", async () => {
    h.sim.faults.stallNextOperations(1);
    const { tenant, keyReference } = await seedSubmittedTenant(h.db, h.sim, "contoso");
    const { jobId } = await enqueueProvisioning(h.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: "admin-oid" });
    const first = startBundledWorker();
    await waitFor(async () => [...h.sim.state.operations.values()].some((op) => op.kind === "create" && op.stalled), 30_000, "the DES PUT to be in flight");
    expect(await h.db.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: "RUNNING" });

    const signalled = Date.now();
    const exitCode = await new Promise<number | null>((resolve) => {
      first.once("exit", (code) => resolve(code));
      first.kill("SIGTERM");
    });
    expect(exitCode).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    // Handed back at once, not left to its lease (20 s) to lapse.
    const released = await h.db.job.findUniqueOrThrow({ where: { id: jobId }, include: { attemptLog: true } });
    expect(released).toMatchObject({ status: "QUEUED", lockedBy: null, lockedUntil: null });
    expect(released.attemptLog).toEqual([expect.objectContaining({ attempt: 1, errorCode: "WorkerStopped", finishedAt: expect.any(Date) })]);
    expect(await h.db.workerHeartbeat.count()).toBe(0);

    h.sim.faults.releaseStalledOperations();
    startBundledWorker();
    const job = await jobFinished(h.db, jobId, 45_000);
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attemptLog.at(-1)).toMatchObject({ errorCode: null });
  }, 120_000);
});
