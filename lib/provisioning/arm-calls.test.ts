// What one DES provisioning costs in Azure calls, counted by the simulator: one write, one LRO poll when the
// poll waits for Retry-After (the SDK alone polls at once and then every updateIntervalInMs), one read (the
// SDK's final GET; no read before the first PUT), and no new token while the cached one is valid. Every one of those
// requests took its token from the fleet's shared ARM budget before it went out: the write from the write budget, the
// poll and the final GET from the read budget (none is sent uncounted, so none meets a 429 the budget could avoid).
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { SimStatsSnapshot } from "../../e2e/azure-sim/stats";
import { enqueueProvisioning } from "./service";
import { ArmWriteGate } from "./write-gate";
import { jobFinished, seedSubmittedTenant, startHarness, startTestWorker, type ProvisioningHarness } from "./testing";

let h: ProvisioningHarness;

beforeAll(async () => {
  // The operation takes 700 ms and the simulator answers Retry-After: 1; the worker's own poll interval is 50 ms.
  h = await startHarness("cmk_armcalls", { lroDurationMs: 700 });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const delta = (after: SimStatsSnapshot, before: SimStatsSnapshot) =>
  Object.fromEntries((Object.keys(after) as (keyof SimStatsSnapshot)[]).map((k) => [k, after[k] - before[k]]));

it("provisions a DES with one write, one poll at Retry-After, one read and no new token", async () => {
  const worker = await startTestWorker(h, { pollIntervalMs: 50 });
  try {
    // The first DES also checks the provider's set-up and fetches the tokens; the second shows the steady state.
    // The second customer is synthetic (as in the benchmark) and uses Contoso's vault and key.
    const contoso = await seedSubmittedTenant(h.db, h.sim, "contoso");
    const other = await h.db.customerTenant.create({ data: { tenantId: "bbbb0001-0000-4000-8000-000000000001", displayName: "Second customer", consentStatus: "GRANTED" } });
    const { id: _id, customerTenantId: _t, createdAt: _c, updatedAt: _u, ...key } = contoso.keyReference;
    const otherKey = await h.db.keyReference.create({ data: { ...key, customerTenantId: other.id } });
    for (const [i, [tenant, keyReference]] of ([[contoso.tenant, contoso.keyReference], [other, otherKey]] as const).entries()) {
      const before = h.sim.stats.snapshot();
      const acquire = vi.spyOn(ArmWriteGate.prototype, "acquire");
      const started = Date.now();
      const { jobId } = await enqueueProvisioning(h.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: "admin-oid" });
      const job = await jobFinished(h.db, jobId);
      expect({ status: job.status, errors: job.attemptLog.map((a) => a.errorCode) }).toEqual({ status: "SUCCEEDED", errors: [null] });
      const budgets = acquire.mock.contexts.map((gate) => (gate as ArmWriteGate).limits.region);
      acquire.mockRestore();
      if (i === 0) continue;
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(delta(h.sim.stats.snapshot(), before)).toEqual({ armReads: 1, armWrites: 1, armDeletes: 0, lroPolls: 1, armThrottled: 0, msiTokens: 0, entraTokens: 0 });
      // The PUT, then the poll and the final GET: one token each, taken before each request.
      expect(budgets).toEqual([expect.not.stringMatching(/\/reads$/), expect.stringMatching(/\/reads$/), expect.stringMatching(/\/reads$/)]);
    }
  } finally {
    await worker.stop();
  }
});
