// A customer closes their key vault's firewall: the real Key Vault SDK reports it as Forbidden with the inner
// code ForbiddenByFirewall (deserialised as `innerError`). Health must say the firewall blocks the probe —
// not that the customer revoked access or removed the provider's role.
import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { newCustomerTenantCredential } from "../azure/credentials";
import { azureFailure, toAzureAppError } from "../azure/errors";
import { closeSharedQueue } from "../jobs/queue";
import { classifyAzureError } from "../provisioning/azure-errors";
import { onboardContosoWithDes, type OnboardedContoso } from "../support/testing";
import { testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import { describeHealthCause } from "./causes";
import { checkTenantHealth } from "./service";

const db = testDb();
const contoso = SIM.customers.contoso;
let sim: SimHandle;
let fixture: OnboardedContoso;

beforeAll(async () => {
  sim = await startSimForTests();
  await sessionFor(sim, db, "contosoAdmin");
  fixture = await onboardContosoWithDes(sim, db);
}, 60_000);

afterAll(async () => {
  await closeSharedQueue();
  await sim?.stop();
});

describe("vault firewall", () => {
  it("is healthy while the vault is open, and 'Firewall blocks the provider's probe' once the customer closes it", async () => {
    expect(await checkTenantHealth(db, fixture.customerTenantId)).toMatchObject({ status: "checked", state: "HEALTHY" });

    // The customer sets the vault's network default action to Deny (existing vault, trusted services still allowed).
    sim.state.vaultByName(contoso.vaultName)!.networkDefaultAction = "Deny";
    const result = await checkTenantHealth(db, fixture.customerTenantId);
    expect(result).toMatchObject({ status: "checked", state: "KEY_UNREACHABLE", cause: "VAULT_FIREWALL", changed: true });
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { id: fixture.customerTenantId } });
    expect(tenant).toMatchObject({ healthState: "KEY_UNREACHABLE", healthCause: "VAULT_FIREWALL" });
    expect(describeHealthCause(tenant.healthCause!).title).toBe("Firewall blocks the provider's probe");
    const event = await db.healthEvent.findFirstOrThrow({ where: { customerTenantId: fixture.customerTenantId }, orderBy: { occurredAt: "desc" } });
    expect(event).toMatchObject({ toState: "KEY_UNREACHABLE", cause: "VAULT_FIREWALL", detail: expect.stringContaining("ForbiddenByFirewall") });

    sim.state.vaultByName(contoso.vaultName)!.networkDefaultAction = "Allow";
    expect(await checkTenantHealth(db, fixture.customerTenantId)).toMatchObject({ status: "checked", state: "HEALTHY", changed: true });
  });

  it("the SDK's error is classified as the firewall by every reader (jobs, wizard, health)", async () => {
    sim.state.vaultByName(contoso.vaultName)!.networkDefaultAction = "Deny";
    try {
      const keys = new KeyClient(fixture.keyUrl.replace(/keys\/.*$/, ""), newCustomerTenantCredential(contoso.tenantId), { retryOptions: { maxRetries: 0 } });
      const error: unknown = await keys.getKey(contoso.keyName).then(() => undefined, (e: unknown) => e);
      // The SDK's own shape: camelCase innerError, outer code Forbidden.
      expect(error).toMatchObject({ statusCode: 403, code: "Forbidden", details: { error: { code: "Forbidden", innerError: { code: "ForbiddenByFirewall" } } } });
      expect(azureFailure(error)).toMatchObject({ status: 403, code: "ForbiddenByFirewall", innerCode: "ForbiddenByFirewall" });
      expect(classifyAzureError(error)).toMatchObject({ kind: "permanent", cause: "VAULT_FIREWALL" });
      expect(toAzureAppError(error, "read the key")).toMatchObject({ azureCode: "ForbiddenByFirewall", fix: expect.stringContaining("Networking") });
    } finally {
      sim.state.vaultByName(contoso.vaultName)!.networkDefaultAction = "Allow";
    }
  });
});
