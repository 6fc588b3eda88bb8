// Provisioning under Azure's failure modes (simulator faults): throttling, 5xx, failed LROs, role
// propagation, and each permanent error that must stop at once with its code and a customer-facing fix.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_ROLES, SIM } from "../../e2e/azure-sim/seed";
import { describeHealthCause } from "../health/causes";
import type { RunningWorker } from "../jobs/worker";
import { enqueueProvisioning } from "./service";
import { cmkServicePrincipalId, jobFinished, resetHarness, seedSubmittedTenant, simDesCount, startHarness, startTestWorker, vaultId, type CustomerName, type ProvisioningHarness } from "./testing";

let h: ProvisioningHarness;
let worker: RunningWorker;
const contoso = SIM.customers.contoso;
const contosoKey = { vault: contoso.vaultName, key: contoso.keyName };

beforeAll(async () => {
  h = await startHarness("cmk_faults");
  worker = await startTestWorker(h);
}, 60_000);

afterEach(async () => {
  await resetHarness(h);
});

afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

async function provision(customer: CustomerName = "contoso", options: { region?: string } = {}) {
  const { tenant, keyReference } = await seedSubmittedTenant(h.db, h.sim, customer, options);
  const queued = await enqueueProvisioning(h.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: false, requestedBy: "admin-oid" });
  const job = await jobFinished(h.db, queued.jobId);
  const des = await h.db.diskEncryptionSet.findUniqueOrThrow({ where: { id: queued.diskEncryptionSetId } });
  return { job, des, tenant };
}

describe("transient failures are retried", () => {
  it("a failed long-running operation is retried; the DES ends Succeeded", async () => {
    h.sim.faults.failNextOperations(1, "InternalOperationError", "An internal execution error occurred. Please retry later.");
    const { job, des } = await provision();
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attemptLog[0]).toMatchObject({ errorCode: "InternalOperationError" });
    expect(h.sim.state.diskEncryptionSets.values().find((d) => d.name === des.name)?.provisioningState).toBe("Succeeded");
  });

  it("an operation that keeps failing stops after the retry budget with the Azure code", async () => {
    h.sim.faults.failNextOperations(10, "InternalOperationError", "Still broken.");
    const { job, des } = await provision();
    expect(job.status).toBe("FAILED");
    expect(job.attemptLog).toHaveLength(4);
    expect(des).toMatchObject({ provisioningState: "FAILED", lastErrorCode: "InternalOperationError" });
  });

  it("5xx: backs off and succeeds", async () => {
    h.sim.faults.serverError("arm", 2, 503);
    const { job, des } = await provision();
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attemptLog.some((a) => a.errorCode !== null)).toBe(true);
    expect(simDesCount(h.sim, des.name)).toBe(1);
  });

  it("429 storm: honours Retry-After and ends with one DES (readiness already confirmed by the tests above)", async () => {
    h.sim.faults.throttle("arm", 5, 1);
    const { job, des } = await provision();
    expect(job.status).toBe("SUCCEEDED");
    const throttled = job.attemptLog.filter((a) => a.errorCode === "SubscriptionRequestsThrottled");
    expect(throttled.length).toBeGreaterThan(0);
    // Each retry waited at least the Retry-After second.
    for (let i = 1; i < job.attemptLog.length; i++) {
      const previous = job.attemptLog[i - 1]!;
      if (previous.errorCode === "SubscriptionRequestsThrottled") expect(job.attemptLog[i]!.startedAt.getTime() - previous.finishedAt!.getTime()).toBeGreaterThanOrEqual(950);
    }
    expect(des.provisioningState).toBe("SUCCEEDED");
    expect(simDesCount(h.sim, des.name)).toBe(1);
  });

  it("role propagation: 403 ForbiddenByRbac right after the assignment is retried until it takes effect", async () => {
    h.sim.faults.removeRoleAssignments({ principalId: cmkServicePrincipalId("contoso") });
    const createdOn = new Date().toISOString();
    h.sim.state.roleAssignments.set({
      id: `${vaultId("contoso")}/providers/Microsoft.Authorization/roleAssignments/propagating`, name: "propagating", scope: vaultId("contoso"),
      roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
      principalId: cmkServicePrincipalId("contoso"), principalType: "ServicePrincipal", createdOn, effectiveAt: Date.now() + 2_000,
    });
    const { job, des } = await provision();
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attemptLog[0]).toMatchObject({ errorCode: "KeyVaultAccessForbidden/ForbiddenByRbac" });
    expect(simDesCount(h.sim, des.name)).toBe(1);
  });
});

describe("permanent errors stop at once with the Azure code and a fix", () => {
  async function expectStopped(customer: CustomerName, azureCode: string | RegExp, cause: string, options: { region?: string } = {}) {
    const { job, des } = await provision(customer, options);
    expect(job.status).toBe("FAILED");
    expect(job.attemptLog).toHaveLength(1);
    expect(job.lastErrorCode).toMatch(azureCode);
    expect(job.result).toMatchObject({ cause });
    expect(des.provisioningState).toBe("FAILED");
    expect(des.lastErrorCode).toMatch(azureCode);
    expect(des.lastErrorMessage).toContain(describeHealthCause(cause).customerFix);
    expect(simDesCount(h.sim, des.name)).toBe(0);
    return { job, des };
  }

  it("key disabled", async () => {
    h.sim.faults.setKeyEnabled(contosoKey, false);
    await expectStopped("contoso", "KeyDisabled", "KEY_DISABLED");
  });

  it("key expired", async () => {
    h.sim.faults.expireKey(contosoKey);
    await expectStopped("contoso", "KeyExpired", "KEY_EXPIRED");
  });

  it("wrong region (vault and DES regions differ)", async () => {
    await expectStopped("contoso", "KeyVaultRegionMismatch", "REGION_MISMATCH", { region: "northeurope" });
  });

  it("missing purge protection", async () => {
    await expectStopped("fabrikam", "KeyVaultPurgeProtectionNotEnabled", "PURGE_PROTECTION_DISABLED");
  });

  it("consent removed (AADSTS700016)", async () => {
    h.sim.faults.revokeConsent(SIM.cmkAppClientId, contoso.tenantId);
    await expectStopped("contoso", /AADSTS700016/, "CONSENT_REMOVED");
  });

  it("federated credential missing (AADSTS700213, or caught by the readiness check)", async () => {
    const app = h.sim.state.applications.get(SIM.cmkAppClientId);
    if (!app) throw new Error("CMK app missing from the simulator");
    app.federatedIdentityCredentials = [];
    await expectStopped("contoso", /AADSTS70021|ProviderNotReady:fic-match/, "FIC_MISSING");
  });

  it("role never assigned: stops once the propagation window has passed", async () => {
    h.sim.faults.removeRoleAssignments({ principalId: cmkServicePrincipalId("contoso") });
    const { job, des } = await provision();
    expect(job.status).toBe("FAILED");
    expect(job.attemptLog.length).toBeGreaterThan(1);
    expect(job.attemptLog.every((a) => a.errorCode === "KeyVaultAccessForbidden/ForbiddenByRbac")).toBe(true);
    expect(job.result).toMatchObject({ cause: "ROLE_REMOVED" });
    expect(des.lastErrorMessage).toContain(describeHealthCause("ROLE_REMOVED").customerFix);
  }, 40_000);
});
