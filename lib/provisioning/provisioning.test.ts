// DES provisioning end to end against the simulator and a real PostgreSQL: service → queue → worker → ARM.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SIM } from "../../e2e/azure-sim/seed";
import type { RunningWorker } from "../jobs/worker";
import { enqueueProvisioning, retryProvisioning } from "./service";
import { FAST_POLICY, seedSubmittedTenant, simDesCount, startHarness, startTestWorker, waitFor, type ProvisioningHarness } from "./testing";

let h: ProvisioningHarness;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  h = await startHarness("cmk_prov");
}, 60_000);

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  h.sim.reset();
  await h.db.$executeRawUnsafe(`TRUNCATE "Job", "DiskEncryptionSet", "KeyReference", "CustomerTenant", "HealthEvent" CASCADE`);
});

afterAll(async () => {
  await h?.close();
});

async function finished(jobId: string) {
  return waitFor(async () => {
    const job = await h.db.job.findUnique({ where: { id: jobId }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
    return job && (job.status === "SUCCEEDED" || job.status === "FAILED") ? job : undefined;
  }, 30_000, `job ${jobId} to finish`);
}

async function submit(customer: "contoso" | "fabrikam" | "northwind" = "contoso", options: { region?: string } = {}) {
  const { tenant, keyReference } = await seedSubmittedTenant(h.db, h.sim, customer, options);
  const queued = await enqueueProvisioning(h.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: "admin-oid", requestId: "req-1" });
  return { tenant, keyReference, ...queued };
}

describe("DES provisioning", () => {
  it("creates the cross-tenant DES as configured, follows the LRO and records ARM id and state", async () => {
    const { tenant, keyReference, jobId, diskEncryptionSetId } = await submit();
    worker = await startTestWorker(h);
    const job = await finished(jobId);
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attemptLog).toHaveLength(1);
    expect(job.attemptLog[0]).toMatchObject({ errorCode: null, finishedAt: expect.any(Date) });

    const des = await h.db.diskEncryptionSet.findUniqueOrThrow({ where: { id: diskEncryptionSetId } });
    expect(des).toMatchObject({ provisioningState: "SUCCEEDED", region: "westeurope", name: `cmk-${SIM.customers.contoso.tenantId}-westeurope`, lastErrorCode: null });
    const inAzure = h.sim.state.diskEncryptionSets.values().find((d) => d.name === des.name);
    expect(des.armId).toBe(inAzure?.id);
    expect(inAzure).toMatchObject({
      location: "westeurope", provisioningState: "Succeeded", encryptionType: "EncryptionAtRestWithCustomerKey", keyUrl: keyReference.keyUrl,
      federatedClientId: SIM.cmkAppClientId, rotationToLatestKeyVersionEnabled: true, resourceGroup: SIM.providerResourceGroup,
      identity: { type: "UserAssigned", userAssignedIdentities: { [SIM.uami.resourceId]: expect.anything() } },
    });
    const audit = await h.db.auditEvent.findMany({ where: { customerTenantId: tenant.id }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["provisioning.enqueue", "provisioning.succeeded"]);
  });

  it("a duplicate submit (same tenant, region and key URL) gives the same job and DES, and one DES in Azure", async () => {
    const first = await submit();
    const second = await submit();
    const [third, fourth] = await Promise.all([submit(), submit()]);
    for (const again of [second, third, fourth]) expect(again).toMatchObject({ jobId: first.jobId, diskEncryptionSetId: first.diskEncryptionSetId });
    expect(await h.db.job.count()).toBe(1);
    worker = await startTestWorker(h);
    await finished(first.jobId);
    const des = await h.db.diskEncryptionSet.findUniqueOrThrow({ where: { id: first.diskEncryptionSetId } });
    expect(simDesCount(h.sim, des.name)).toBe(1);
    expect(await h.db.diskEncryptionSet.count()).toBe(1);
    const enqueues = await h.db.auditEvent.findMany({ where: { action: "provisioning.enqueue", customerTenantId: first.tenant.id } });
    expect(enqueues.map((a) => (a.details as { duplicate: boolean }).duplicate).sort()).toEqual([false, true, true, true]);
  });

  it("adopts a DES that already exists in Azure as wanted (a retry after a timeout) without writing again", async () => {
    const { jobId } = await submit();
    worker = await startTestWorker(h);
    await finished(jobId);
    const puts = h.sim.state.operations.size;
    const des = await h.db.diskEncryptionSet.findFirstOrThrow();
    // The answer got lost: our row still says CREATING and the job runs again.
    await h.db.diskEncryptionSet.update({ where: { id: des.id }, data: { provisioningState: "CREATING", armId: null } });
    await h.db.job.update({ where: { id: jobId }, data: { status: "QUEUED", finishedAt: null } });
    const again = await waitFor(async () => {
      const row = await h.db.diskEncryptionSet.findUniqueOrThrow({ where: { id: des.id } });
      return row.provisioningState === "SUCCEEDED" ? row : undefined;
    }, 20_000, "adoption");
    expect(again.armId).toBe(des.armId);
    expect(h.sim.state.operations.size).toBe(puts);
    expect(simDesCount(h.sim, des.name)).toBe(1);
  });

  it("refuses a region the provider does not serve before touching Azure", async () => {
    const { tenant, keyReference } = await seedSubmittedTenant(h.db, h.sim, "northwind");
    await expect(enqueueProvisioning(h.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: "x" }))
      .rejects.toMatchObject({ code: "VALIDATION_FAILED", azureCode: "RegionNotSupported" });
    expect(await h.db.job.count()).toBe(0);
  });

  it("retryProvisioning is refused unless a DES failed, and re-queues a failed one", async () => {
    const { tenant, jobId, diskEncryptionSetId } = await submit();
    await expect(retryProvisioning(h.db, { customerTenantId: tenant.id, requestedBy: "operator-oid" })).rejects.toMatchObject({ code: "CONFLICT" });
    h.sim.faults.setKeyEnabled({ vault: SIM.customers.contoso.vaultName, key: SIM.customers.contoso.keyName }, false);
    worker = await startTestWorker(h);
    expect((await finished(jobId)).status).toBe("FAILED");
    h.sim.faults.setKeyEnabled({ vault: SIM.customers.contoso.vaultName, key: SIM.customers.contoso.keyName }, true);
    const { jobIds } = await retryProvisioning(h.db, { customerTenantId: tenant.id, requestedBy: "operator-oid", requestId: "r2" });
    expect(jobIds).toHaveLength(1);
    expect(jobIds[0]).not.toBe(jobId);
    expect((await finished(jobIds[0]!)).status).toBe("SUCCEEDED");
    expect(await h.db.diskEncryptionSet.findUniqueOrThrow({ where: { id: diskEncryptionSetId } })).toMatchObject({ provisioningState: "SUCCEEDED", lastErrorCode: null });
    expect(await h.db.auditEvent.count({ where: { action: "provisioning.retry", actorType: "STAFF", requestId: "r2" } })).toBe(1);
    expect(FAST_POLICY.propagationWindowMs).toBeGreaterThan(0);
  });
});
