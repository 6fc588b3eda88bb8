// Offboarding end to end against the simulator and a real database: request (one open per tenant), two staff people
// (approve, then a different person executes), the OFFBOARD job (a disk on a running VM, a crash mid-way, re-runs),
// the DES gone in Azure, the customer's clean-up (do it for me, then check), and the audit trail of each step.
import { randomUUID } from "node:crypto";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { personaCredential } from "../../e2e/azure-sim/testing";
import type { SessionUser } from "../auth/session-store";
import { azureFailure } from "../azure/errors";
import { ARM_SCOPE } from "../azure/endpoints";
import { deleteServicePrincipal } from "../azure/customer-cleanup";
import type { Job } from "../db/generated/prisma/client";
import { closeSharedQueue } from "../jobs/queue";
import { logger } from "../logger";
import { CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID, keyScope, roleAssignmentName, roleDefinitionId } from "../onboarding/access";
import { DEFAULT_BACKOFF } from "../provisioning/azure-errors";
import { CONTOSO_VAULT_ID, onboardContosoWithDes, providerCompute, vmId, type OnboardedContoso } from "../support/testing";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import { approveOffboardingAction, cancelOffboardingAction, checkOffboardingCleanupAction, cleanupOffboardingAction, executeOffboardingAction, rejectOffboardingAction, requestOffboardingAction } from "./actions";
import { deleteDiskEncryptionSet, moveDiskToPlatformKey } from "./azure";
import { cleanupPlan, customerOffboardingView } from "./cleanup";
import { runOffboardJob } from "./job";
import { offboardHandler } from "./offboard-job";
import { canMove } from "./state";

const db = testDb();
const contoso = SIM.customers.contoso;
const fast = { updateIntervalInMs: 20 };
const diskId = (name: string) => `/subscriptions/${SIM.providerSubscriptionId}/resourceGroups/${SIM.providerResourceGroup}/providers/Microsoft.Compute/disks/${name}`;
let sim: SimHandle;
let customer: SessionUser;
let keyAdmin: SessionUser;
let support: SessionUser;
let approver: SessionUser;
let operator: SessionUser;
let fixture: OnboardedContoso;
let offboardingId = "";
let mark = 0n;

async function runJob(jobId: string) {
  const job: Job = await db.job.update({ where: { id: jobId }, data: { status: "RUNNING", attempts: { increment: 1 }, startedAt: new Date() } });
  return offboardHandler.run({ db, job, attempt: job.attempts, signal: new AbortController().signal, log: logger, policy: { ...DEFAULT_BACKOFF, maxTransientAttempts: 1 }, pollIntervalMs: 20 });
}

async function auditSinceMark(): Promise<string[]> {
  const events = await db.auditEvent.findMany({ where: { seq: { gt: mark }, customerTenantId: fixture.customerTenantId }, orderBy: { seq: "asc" } });
  mark = events.at(-1)?.seq ?? mark;
  return events.map((e) => `${e.actorType} ${e.action} ${e.result}`);
}

const simDisk = (name: string) => sim.state.disks.get(diskId(name));
const power = (vm: string) => sim.state.virtualMachines.get(vmId(vm))?.powerState;

beforeAll(async () => {
  sim = await startSimForTests();
  customer = await sessionFor(sim, db, "contosoAdmin");
  keyAdmin = await sessionFor(sim, db, "contosoKeyAdmin");
  support = await sessionFor(sim, db, "support");
  approver = await sessionFor(sim, db, "approver");
  operator = await sessionFor(sim, db, "operator");
  fixture = await onboardContosoWithDes(sim, db);
  // What onboarding's access step leaves: the provider app's role on the key, under the portal's deterministic name.
  const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } });
  const scope = keyScope(CONTOSO_VAULT_ID, contoso.keyName);
  const auth = new AuthorizationManagementClient(await personaCredential(sim, "contosoAdmin"), contoso.subscriptionId, { endpoint: `${sim.url}/arm`, credentialScopes: [ARM_SCOPE] });
  await auth.roleAssignments.create(scope, roleAssignmentName(scope, tenant.servicePrincipalObjectId!), { roleDefinitionId: roleDefinitionId(contoso.subscriptionId), principalId: tenant.servicePrincipalObjectId!, principalType: "ServicePrincipal" });
  mark = (await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? 0n;
}, 90_000);

afterAll(async () => {
  await closeSharedQueue();
  await sim?.stop();
});

describe("Azure's rules the offboarding has to respect (simulator)", () => {
  it("refuses to change the encryption of a disk attached to a running VM", async () => {
    expect(power("vm-app-1")).toBe("running");
    const refused = await moveDiskToPlatformKey(diskId("vm-app-1-osdisk")).catch((error: unknown) => azureFailure(error));
    expect(refused).toMatchObject({ status: 409, code: "OperationNotAllowed" });
    expect(simDisk("vm-app-1-osdisk")?.diskEncryptionSetId).toBe(fixture.desArmId);
  });

  it("refuses to delete a DES that disks still use", async () => {
    const refused = await deleteDiskEncryptionSet(fixture.desArmId).catch((error: unknown) => azureFailure(error));
    expect(refused).toMatchObject({ status: 409, code: "OperationNotAllowed" });
    expect(sim.state.diskEncryptionSets.get(fixture.desArmId)).toBeDefined();
  });

  it("refuses to delete an attached disk, deletes an unattached one, and a second delete is a no-op", async () => {
    const compute = providerCompute(sim);
    const attached = await compute.disks.beginDeleteAndWait(SIM.providerResourceGroup, "vm-app-2-osdisk", fast).catch((error: unknown) => azureFailure(error));
    expect(attached).toMatchObject({ status: 409, code: "OperationNotAllowed" });
    await compute.disks.beginDeleteAndWait(SIM.providerResourceGroup, "app-data-disk-2", fast);
    expect(simDisk("app-data-disk-2")).toBeUndefined();
    await compute.disks.beginDeleteAndWait(SIM.providerResourceGroup, "app-data-disk-2", fast);
  });

  it("deletes a service principal only with Application.ReadWrite.All delegated and an application admin role", async () => {
    const other = "77777777-7777-4777-8777-777777777777";
    sim.state.applications.set(other, { ...sim.state.applications.get(SIM.cmkAppClientId)!, appId: other, objectId: randomUUID(), federatedIdentityCredentials: [] });
    const spId = sim.faults.grantConsent(other, contoso.tenantId);
    // The portal holds Graph User.Read only: even a Global Administrator is refused.
    expect(await deleteServicePrincipal(await personaCredential(sim, "contosoAdmin"), spId)).toBe("forbidden");
    sim.state.grantDelegated(SIM.portalClientId, contoso.tenantId, undefined, [{ resource: "https://graph.microsoft.com", scopes: ["User.Read", "Application.ReadWrite.All"] }]);
    // The scope alone is not enough without a directory role.
    expect(await deleteServicePrincipal(await personaCredential(sim, "contosoKeyAdmin"), spId)).toBe("forbidden");
    expect(await deleteServicePrincipal(await personaCredential(sim, "contosoAdmin"), spId)).toBe("removed");
    expect(await deleteServicePrincipal(await personaCredential(sim, "contosoAdmin"), spId)).toBe("absent");
    sim.state.revokeDelegated(SIM.portalClientId, contoso.tenantId, "https://graph.microsoft.com");
    sim.state.grantDelegated(SIM.portalClientId, contoso.tenantId, undefined, [{ resource: "https://graph.microsoft.com", scopes: ["User.Read"] }]);
  });
});

describe("the state machine", () => {
  it("allows only the named moves", () => {
    expect(canMove("REQUESTED", "APPROVED")).toBe(true);
    expect(canMove("REQUESTED", "DISKS_DETACHING")).toBe(false);
    expect(canMove("PROVIDER_DONE", "COMPLETED")).toBe(true);
    expect(canMove("COMPLETED", "REQUESTED")).toBe(false);
    expect(canMove("FAILED", "APPROVED")).toBe(true);
  });

  it("writes the exact clean-up commands for the role assignment and the enterprise app", () => {
    const sp = "0a0a0a0a-0000-4000-8000-000000000000";
    const plan = cleanupPlan({ tenantId: contoso.tenantId, servicePrincipalObjectId: sp }, [{ vaultResourceId: CONTOSO_VAULT_ID, vaultUri: `https://${contoso.vaultName}.vault.azure.net`, keyName: contoso.keyName, permissionModel: "RBAC" }]);
    const scope = keyScope(CONTOSO_VAULT_ID, contoso.keyName);
    expect(plan.steps.cli).toBe(`MSYS_NO_PATHCONV=1 az role assignment delete --ids "${scope}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(scope, sp, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID)}"\naz ad sp delete --id ${sp}`);
    expect(plan.steps.powershell).toContain(`Remove-AzADServicePrincipal -ObjectId ${sp}`);
    expect(plan.steps.portal.map((p) => p.href)).toEqual([expect.stringMatching(/\/keys\/disk-key\/users$/), expect.stringContaining(`/objectId/${sp}/appId/${SIM.cmkAppClientId}`)]);
    const policyPlan = cleanupPlan({ tenantId: contoso.tenantId, servicePrincipalObjectId: sp }, [{ vaultResourceId: CONTOSO_VAULT_ID, vaultUri: `https://${contoso.vaultName}.vault.azure.net`, keyName: contoso.keyName, permissionModel: "ACCESS_POLICY" }]);
    expect(policyPlan.steps.cli).toContain(`az keyvault delete-policy --name ${contoso.vaultName} --object-id ${sp}`);
  });
});

describe("offboarding journey", () => {
  it("a customer admin requests it, seeing the disks that use the key; a second admin gets the same request back", async () => {
    const first = await requestOffboardingAction.run(customer, { reason: "We are moving to another provider." }, db);
    expect(first.ok, JSON.stringify(first)).toBe(true);
    if (!first.ok) return;
    offboardingId = first.data.offboardingId;
    const second = await requestOffboardingAction.run(keyAdmin, {}, db);
    expect(second).toMatchObject({ ok: true, data: { offboardingId, alreadyRequested: true, requestedBy: customer.userName } });
    const row = await db.offboarding.findUniqueOrThrow({ where: { id: offboardingId } });
    expect(row.state).toBe("REQUESTED");
    expect(row.diskPolicy).toBe("platform-key");
    const impact = row.impact as { diskEncryptionSets: { disks: { name: string; vmId?: string }[] }[]; vms: { name: string; powerState: string }[] };
    expect(impact.diskEncryptionSets[0]!.disks.map((d) => d.name).sort()).toEqual(["app-data-disk-1", "vm-app-1-osdisk"]);
    expect(impact.vms).toEqual([expect.objectContaining({ name: "vm-app-1", powerState: "running" })]);
    expect(await auditSinceMark()).toEqual(["CUSTOMER customer.offboarding.request SUCCESS"]);
  });

  it("the database allows one open offboarding per tenant", async () => {
    await expect(db.offboarding.create({ data: { customerTenantId: fixture.customerTenantId, diskPolicy: "platform-key", requestedByOid: customer.userOid, requestedByName: "x", impact: {} } })).rejects.toMatchObject({ code: "P2002" });
  });

  it("nothing runs before a SupportApprover approves; support cannot approve", async () => {
    expect(await executeOffboardingAction.run(operator, { offboardingId }, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(await approveOffboardingAction.run(support, { offboardingId }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await approveOffboardingAction.run(approver, { offboardingId }, db)).toMatchObject({ ok: true, data: { state: "APPROVED" } });
    expect(await approveOffboardingAction.run(approver, { offboardingId }, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(await auditSinceMark()).toEqual(["STAFF support.offboarding.execute FAILURE", "STAFF support.offboarding.approve SUCCESS", "STAFF support.offboarding.approve FAILURE"]);
  });

  it("the approver cannot also execute it; another person can, once (a double click is one job)", async () => {
    expect(await executeOffboardingAction.run(approver, { offboardingId }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const started = await executeOffboardingAction.run(operator, { offboardingId }, db);
    expect(started.ok, JSON.stringify(started)).toBe(true);
    expect(await executeOffboardingAction.run(support, { offboardingId }, db)).toMatchObject({ ok: true, data: { alreadyStarted: true } });
    // Started: the customer can no longer cancel it.
    expect(await cancelOffboardingAction.run(customer, { offboardingId }, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(await db.job.count({ where: { kind: "OFFBOARD", customerTenantId: fixture.customerTenantId } })).toBe(1);
    expect(await auditSinceMark()).toEqual(["STAFF support.offboarding.execute DENIED", "STAFF support.offboarding.execute SUCCESS", "CUSTOMER customer.offboarding.cancel FAILURE"]);
  });

  it("after a crash mid-way (one disk switched, its VM deallocated) the job converges: the other disk, the VM started again, the DES deleted", async () => {
    const compute = providerCompute(sim);
    // What a worker that died mid-way leaves: the VM recorded and deallocated, the OS disk switched, nothing else.
    await db.offboarding.update({ where: { id: offboardingId }, data: { state: "DISKS_DETACHING", stoppedVmIds: [vmId("vm-app-1")] } });
    await compute.virtualMachines.beginDeallocateAndWait(SIM.providerResourceGroup, "vm-app-1", fast);
    await compute.disks.beginUpdateAndWait(SIM.providerResourceGroup, "vm-app-1-osdisk", { encryption: { type: "EncryptionAtRestWithPlatformKey" } }, fast);

    const job = await db.job.findFirstOrThrow({ where: { kind: "OFFBOARD", customerTenantId: fixture.customerTenantId } });
    expect(await runJob(job.id)).toMatchObject({ status: "succeeded" });
    expect(simDisk("vm-app-1-osdisk")?.diskEncryptionSetId).toBeUndefined();
    expect(simDisk("app-data-disk-1")?.diskEncryptionSetId).toBeUndefined();
    expect(power("vm-app-1")).toBe("running");
    expect(sim.state.diskEncryptionSets.get(fixture.desArmId)).toBeUndefined();
    const row = await db.offboarding.findUniqueOrThrow({ where: { id: offboardingId } });
    expect(row).toMatchObject({ state: "PROVIDER_DONE", disksDone: [diskId("app-data-disk-1")], stoppedVmIds: [vmId("vm-app-1")] });
    expect((await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: fixture.desId } })).provisioningState).toBe("DELETED");
    expect((await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } })).monitored).toBe(false);
    expect(await auditSinceMark()).toEqual(["SYSTEM offboarding.disk.platform_key SUCCESS", "SYSTEM offboarding.des.delete SUCCESS", "SYSTEM offboarding.provider_done SUCCESS"]);
  });

  it("running the job again, or again from DES_DELETING with the DES already gone, changes nothing", async () => {
    const job = await db.job.findFirstOrThrow({ where: { kind: "OFFBOARD", customerTenantId: fixture.customerTenantId } });
    expect(await runOffboardJob(db, job)).toMatchObject({ state: "PROVIDER_DONE" });
    await db.offboarding.update({ where: { id: offboardingId }, data: { state: "DES_DELETING" } });
    await db.diskEncryptionSet.update({ where: { id: fixture.desId }, data: { provisioningState: "SUCCEEDED" } });
    expect(await runOffboardJob(db, job)).toMatchObject({ state: "PROVIDER_DONE" });
    expect((await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: fixture.desId } })).provisioningState).toBe("DELETED");
    expect(await auditSinceMark()).toEqual(["SYSTEM offboarding.des.delete SUCCESS", "SYSTEM offboarding.provider_done SUCCESS"]);
  });

  it("the customer's 'do it for me' removes the role assignment; the enterprise app needs their own hands (the portal lacks Application.ReadWrite.All)", async () => {
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } });
    const scope = keyScope(CONTOSO_VAULT_ID, contoso.keyName);
    const assignmentId = `${scope}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(scope, tenant.servicePrincipalObjectId!)}`;
    expect(sim.state.roleAssignments.get(assignmentId)).toBeDefined();
    const done = await cleanupOffboardingAction.run(customer, { offboardingId }, db);
    expect(done).toMatchObject({ ok: true, data: { alreadyDone: false, state: "CUSTOMER_CLEANUP", access: "removed", enterpriseApp: "forbidden" } });
    expect(sim.state.roleAssignments.get(assignmentId)).toBeUndefined();
    const again = await cleanupOffboardingAction.run(keyAdmin, { offboardingId }, db);
    expect(again).toMatchObject({ ok: true, data: { access: "absent", enterpriseApp: "forbidden", state: "CUSTOMER_CLEANUP" } });
    const check = await checkOffboardingCleanupAction.run(customer, { offboardingId }, db);
    expect(check).toMatchObject({ ok: true, data: { state: "CUSTOMER_CLEANUP", access: "absent", enterpriseApp: "still-there" } });
    expect(await auditSinceMark()).toEqual(["CUSTOMER customer.offboarding.cleanup SUCCESS", "CUSTOMER customer.offboarding.cleanup SUCCESS", "CUSTOMER customer.offboarding.check SUCCESS"]);
  });

  it("once the admin deleted the enterprise app, 'check' completes it, and every later click says it is already done", async () => {
    sim.faults.revokeConsent(SIM.cmkAppClientId, contoso.tenantId);
    expect(await checkOffboardingCleanupAction.run(customer, { offboardingId }, db)).toMatchObject({ ok: true, data: { state: "COMPLETED", enterpriseApp: "absent" } });
    expect(await checkOffboardingCleanupAction.run(keyAdmin, { offboardingId }, db)).toMatchObject({ ok: true, data: { alreadyDone: true, state: "COMPLETED" } });
    expect(await cleanupOffboardingAction.run(customer, { offboardingId }, db)).toMatchObject({ ok: true, data: { alreadyDone: true } });
    const row = await db.offboarding.findUniqueOrThrow({ where: { id: offboardingId } });
    expect(row.completedAt).not.toBeNull();
    expect(row.roleAssignmentRemovedAt).not.toBeNull();
    expect(row.servicePrincipalRemovedAt).not.toBeNull();
    const view = await customerOffboardingView(db, contoso.tenantId);
    expect(view).toMatchObject({ hasDiskEncryptionSet: false, offboarding: { state: "COMPLETED" } });
    expect(await auditSinceMark()).toEqual(["CUSTOMER customer.offboarding.check SUCCESS", "CUSTOMER customer.offboarding.completed SUCCESS"]);
  });

  it("a request for a tenant without a live DES is refused; a rejected request is closed", async () => {
    expect(await requestOffboardingAction.run(customer, {}, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    const row = await db.offboarding.create({ data: { customerTenantId: fixture.customerTenantId, diskPolicy: "platform-key", requestedByOid: customer.userOid, requestedByName: customer.userName, impact: {} } });
    expect(await rejectOffboardingAction.run(approver, { offboardingId: row.id, note: "Contract runs until March." }, db)).toMatchObject({ ok: true, data: { state: "CANCELLED" } });
    expect(await cancelOffboardingAction.run(customer, { offboardingId: row.id }, db)).toMatchObject({ ok: true, data: { alreadyDone: true } });
  });
});
