// The customer's status page never carries Azure's raw error text: correlation ids, the provider's
// subscription and resource ids and stack traces stay with the provider.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { customerSafeFailure, customerStatus } from "./status";

const db = testDb();

afterAll(async () => {
  await db.$disconnect();
});

const PROVIDER_SUBSCRIPTION = "7f1d0c52-9a3e-4b6f-8c21-5e0d4a9b1c77";
const CORRELATION = "c0ffee00-1234-4abc-9def-0123456789ab";
const RAW = `The client 'uami-cmk-provider' with object id '${randomUUID()}' does not have authorization to perform action 'Microsoft.KeyVault/vaults/keys/wrapkey/action' over scope '/subscriptions/${PROVIDER_SUBSCRIPTION}/resourceGroups/rg-cmk-provider/providers/Microsoft.Compute/diskEncryptionSets/cmk-x'. Correlation ID: ${CORRELATION}
    at ServiceClient.sendOperationRequest (/app/node_modules/@azure/core-client/dist/index.js:812:19)`;

function mustNotLeak(text: string) {
  expect(text).not.toContain(PROVIDER_SUBSCRIPTION);
  expect(text).not.toContain(CORRELATION);
  expect(text).not.toContain("uami-cmk-provider");
  expect(text).not.toContain("node_modules");
  expect(text).not.toContain("rg-cmk-provider");
}

describe("customer status", () => {
  it("maps raw Azure failures in the timeline and on the disk encryption set to customer-safe text", async () => {
    const tenant = await db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: `Status ${Date.now()}` } });
    const key = await db.keyReference.create({
      data: { customerTenantId: tenant.id, vaultResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", vaultUri: "https://v.vault.azure.net/", keyName: "k", keyVersion: "0123456789abcdef0123456789abcdef", keyUrl: "https://v.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef", keyType: "RSA", keySize: 3072, permissionModel: "RBAC", region: "westeurope" },
    });
    await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: "westeurope", name: "cmk-x", keyReferenceId: key.id, provisioningState: "FAILED", lastErrorCode: "KeyDisabled", lastErrorMessage: RAW } });
    const job = await db.job.create({ data: { kind: "ROTATE_KEY", idempotencyKey: `status-test:${randomUUID()}`, customerTenantId: tenant.id, status: "FAILED", lastErrorCode: "AuthorizationFailed", lastErrorMessage: RAW } });
    await db.jobAttempt.create({ data: { jobId: job.id, attempt: 1, finishedAt: new Date(), errorCode: "AuthorizationFailed", errorMessage: RAW } });
    await db.jobAttempt.create({ data: { jobId: job.id, attempt: 2, finishedAt: new Date(), errorCode: `weird code with spaces ${CORRELATION}`, errorMessage: RAW } });
    await db.healthEvent.create({ data: { customerTenantId: tenant.id, fromState: "HEALTHY", toState: "KEY_UNREACHABLE", cause: "ROLE_REMOVED", detail: RAW } });

    const status = await customerStatus(db, tenant.tenantId);
    if (!status) throw new Error("no status");
    mustNotLeak(JSON.stringify(status));
    const details = status.timeline.map((e) => e.detail).filter(Boolean);
    expect(details).toContain(customerSafeFailure("AuthorizationFailed"));
    expect(details).toContain(customerSafeFailure(null));
    expect(status.tenant.diskEncryptionSets[0]!.lastErrorMessage).toBe(customerSafeFailure("KeyDisabled"));
    expect(customerSafeFailure("KeyDisabled")).toMatch(/disabled/i);
  });

  it("keeps the customer text provisioning already stored", async () => {
    const safe = customerSafeFailure("KeyDisabled").replace(/ \(KeyDisabled\)$/, "");
    const tenant = await db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: `Status kept ${Date.now()}` } });
    const key = await db.keyReference.create({
      data: { customerTenantId: tenant.id, vaultResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v", vaultUri: "https://v.vault.azure.net/", keyName: "k", keyVersion: "0123456789abcdef0123456789abcdef", keyUrl: "https://v.vault.azure.net/keys/k/0123456789abcdef0123456789abcdee", keyType: "RSA", keySize: 3072, permissionModel: "RBAC", region: "westeurope" },
    });
    await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: "westeurope", name: "cmk-y", keyReferenceId: key.id, provisioningState: "FAILED", lastErrorCode: "KeyDisabled", lastErrorMessage: safe } });
    expect((await customerStatus(db, tenant.tenantId))!.tenant.diskEncryptionSets[0]!.lastErrorMessage).toBe(safe);
  });
});
