// Test support for provisioning and health: a database of its own (workers sweep every Job row they can
// see, so they must not see other test files' jobs), the simulator with consented customers, and fixtures.
import pino from "pino";
import { createPrismaClient, type Db } from "../db/client";
import { createDisposableDatabase } from "../db/test-database";
import { toolingEnv } from "../env";
import { closeSharedQueue } from "../jobs/queue";
import { startWorker, type RunningWorker, type WorkerOptions } from "../jobs/worker";
import { setAppEnvForTests as applyAppEnv } from "../testing/app-env";
import { startSimulator, type SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import type { BackoffPolicy } from "./azure-errors";
import { cmkServicePrincipalId, keyUrlOf, onboardedScenario, vaultId, type CustomerName } from "./sim-scenario";

export { cmkServicePrincipalId, keyUrlOf, onboardedScenario, vaultId, type CustomerName };

/** Retry timings scaled down so fault tests take seconds, with the same shape as production's. */
export const FAST_POLICY: BackoffPolicy = { baseDelayMs: 200, maxDelayMs: 1_000, propagationDelayMs: 500, propagationWindowMs: 8_000, maxTransientAttempts: 4 };


export type ProvisioningHarness = { sim: SimHandle; db: Db; databaseUrl: string; close(): Promise<void> };

export async function startHarness(prefix: string, options: { lroDurationMs?: number } = {}): Promise<ProvisioningHarness> {
  const database = await createDisposableDatabase(toolingEnv().TEST_DATABASE_ADMIN_URL, prefix);
  const sim = await startSimulator({ quiet: true, lroDurationMs: options.lroDurationMs ?? 100, scenario: onboardedScenario });
  applyAppEnv({ ...sim.appEnv(), DATABASE_URL: database.url });
  const db = createPrismaClient(database.url);
  return {
    sim, db, databaseUrl: database.url,
    async close() {
      await closeSharedQueue();
      await db.$disconnect();
      await sim.stop();
      await database.drop();
    },
  };
}

export function startTestWorker(harness: ProvisioningHarness, overrides: Partial<WorkerOptions> = {}): Promise<RunningWorker> {
  return startWorker({
    databaseUrl: harness.databaseUrl, concurrency: 4, leaseSeconds: 5, healthIntervalMinutes: 15, scheduleHealth: false,
    policy: FAST_POLICY, pollIntervalMs: 50, queuePollingSeconds: 0.5, sweepIntervalMs: 1_000, log: pino({ level: "silent" }), ...overrides,
  });
}

/** A customer that finished the wizard: tenant row with consent and a validated key reference. */
export async function seedSubmittedTenant(db: Db, sim: SimHandle, customer: CustomerName, options: { region?: string; keyUrl?: string } = {}) {
  const c = SIM.customers[customer];
  const keyUrl = options.keyUrl ?? keyUrlOf(sim, customer);
  const tenant = await db.customerTenant.upsert({
    where: { tenantId: c.tenantId },
    create: { tenantId: c.tenantId, displayName: c.displayName, consentStatus: "GRANTED", servicePrincipalObjectId: cmkServicePrincipalId(customer), consentGrantedAt: new Date() },
    update: {},
  });
  const version = keyUrl.split("/").pop() ?? "";
  const keyReference = await db.keyReference.upsert({
    where: { customerTenantId_keyUrl: { customerTenantId: tenant.id, keyUrl } },
    create: {
      customerTenantId: tenant.id, vaultResourceId: vaultId(customer), vaultUri: keyUrl.replace(/keys\/.*$/, ""), keyName: c.keyName, keyVersion: version, keyUrl,
      keyType: "RSA", keySize: 3072, permissionModel: customer === "fabrikam" ? "ACCESS_POLICY" : "RBAC", region: options.region ?? c.location,
    },
    update: {},
  });
  return { tenant, keyReference };
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** DES resources the simulator holds for a name (exactly-one assertions). */
export function simDesCount(sim: SimHandle, name: string): number {
  return sim.state.diskEncryptionSets.values().filter((d) => d.name.toLowerCase() === name.toLowerCase()).length;
}

/** Waits until the job is SUCCEEDED or FAILED; returns it with its attempts in order. */
export async function jobFinished(db: Db, jobId: string, timeoutMs = 30_000) {
  return waitFor(async () => {
    const job = await db.job.findUnique({ where: { id: jobId }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
    return job && (job.status === "SUCCEEDED" || job.status === "FAILED") ? job : undefined;
  }, timeoutMs, `job ${jobId} to finish`);
}

/** Clean slate between tests of one file (the audit log is append-only and keyed by tenant instead). */
export async function resetHarness(h: ProvisioningHarness): Promise<void> {
  h.sim.reset();
  await h.db.$executeRawUnsafe(`TRUNCATE "Job", "DiskEncryptionSet", "KeyReference", "CustomerTenant", "HealthEvent" CASCADE`);
}
