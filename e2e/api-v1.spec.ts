import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { BUILTIN_ROLES, SIM, servicePrincipalObjectId } from "./azure-sim/seed";
import { assignCustomerAutomation, claimsOf, clientCredentialsToken, contosoPipeline, PORTAL_API, staffAutomation } from "./support/api";
import { SIM_URL, simControl } from "./support/sim";
import { freshWorld } from "./support/world";

// Contoso onboards without a browser: its pipeline, with app-only tokens only, gets the portal's app role through
// Graph, does its own side with ARM (the consent equivalent is a service principal, as Terraform's azuread provider
// makes it; then the role at key scope), submits the key URL to /api/v1 and polls until the disk encryption set has
// Succeeded. The provider's automation then reads the tenant through the staff endpoints.
test.describe.configure({ mode: "serial" });
test.beforeAll(freshWorld);

const CONTOSO = SIM.customers.contoso;
const VAULT_ID = `/subscriptions/${CONTOSO.subscriptionId}/resourceGroups/${CONTOSO.resourceGroup}/providers/Microsoft.KeyVault/vaults/${CONTOSO.vaultName}`;

test("a customer pipeline onboards through /api/v1 with app-only tokens and reaches a Succeeded disk encryption set", async ({ request }) => {
  test.setTimeout(180_000);
  const document = await request.get("/api/v1/openapi.json");
  expect(document.status()).toBe(200);
  expect(((await document.json()) as { openapi: string }).openapi).toBe("3.1.0");

  // Without a token: a problem document that says what to send.
  const anonymous = await request.get("/api/v1/onboarding");
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()["content-type"]).toBe("application/problem+json");
  expect(anonymous.headers()["www-authenticate"]).toContain("Bearer");
  expect(await anonymous.json()).toMatchObject({ status: 401, code: "UNAUTHENTICATED", fix: expect.stringContaining(PORTAL_API), reference: expect.any(String) });

  // The pipeline's app has no role of the portal yet: refused, with the reason.
  const roleless = await clientCredentialsToken(request, contosoPipeline, PORTAL_API);
  expect(claimsOf(roleless).roles).toBeUndefined();
  const refused = await request.get("/api/v1/onboarding", { headers: { authorization: `Bearer ${roleless}` } });
  expect(refused.status()).toBe(403);
  expect(await refused.json()).toMatchObject({ code: "FORBIDDEN", detail: expect.stringContaining("Customer.Admin or Customer.Reader or Customer.Automation") });

  await assignCustomerAutomation(request);
  const token = await clientCredentialsToken(request, contosoPipeline, PORTAL_API);
  expect(claimsOf(token)).toMatchObject({ tid: CONTOSO.tenantId, roles: ["Customer.Automation"], idtyp: "app" });
  expect(claimsOf(token).scp).toBeUndefined();
  const api = { authorization: `Bearer ${token}` };

  // The customer's side, as its Terraform would do it: the CMK app's service principal (consent equivalent)…
  await simControl("consent/grant", { appId: SIM.cmkAppClientId, tenantId: CONTOSO.tenantId });
  const arm = { authorization: `Bearer ${await clientCredentialsToken(request, contosoPipeline, "https://management.azure.com")}` };
  const key = (await (await request.get(`${SIM_URL}/arm${VAULT_ID}/keys/${CONTOSO.keyName}?api-version=2023-07-01`, { headers: arm })).json()) as { properties: { keyUriWithVersion: string } };
  const keyUrl = key.properties.keyUriWithVersion;
  expect(keyUrl).toMatch(/\/keys\/disk-key\/[0-9a-f]{32}$/);
  // …and the role at key scope for it.
  const assignment = await request.put(`${SIM_URL}/arm${VAULT_ID}/keys/${CONTOSO.keyName}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`, {
    headers: arm,
    data: {
      properties: {
        roleDefinitionId: `/subscriptions/${CONTOSO.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
        principalId: servicePrincipalObjectId(SIM.cmkAppClientId, CONTOSO.tenantId),
        principalType: "ServicePrincipal",
      },
    },
  });
  expect(assignment.status(), await assignment.text()).toBe(201);

  // Submit, retried with the same Idempotency-Key while the role assignment propagates (409 is not stored).
  const body = { keyUrl, vaultResourceId: VAULT_ID, region: "westeurope" };
  const idempotencyKey = randomUUID();
  let submitted = await request.post("/api/v1/onboarding/key", { headers: { ...api, "Idempotency-Key": idempotencyKey }, data: body });
  for (let attempt = 0; submitted.status() === 409 && attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    submitted = await request.post("/api/v1/onboarding/key", { headers: { ...api, "Idempotency-Key": idempotencyKey }, data: body });
  }
  expect(submitted.status(), await submitted.text()).toBe(202);
  const result = (await submitted.json()) as { state: string; diskEncryptionSetId: string; jobId: string };
  expect(result).toMatchObject({ state: "SUBMITTED", keyUrl, region: "westeurope" });

  // A retry of the same request gets the same answer; the same key with another body is refused.
  const replay = await request.post("/api/v1/onboarding/key", { headers: { ...api, "Idempotency-Key": idempotencyKey }, data: body });
  expect(replay.status()).toBe(202);
  expect(replay.headers()["idempotent-replayed"]).toBe("true");
  expect(await replay.json()).toEqual(result);
  const reused = await request.post("/api/v1/onboarding/key", { headers: { ...api, "Idempotency-Key": idempotencyKey }, data: { ...body, rotationToLatest: false } });
  expect(reused.status()).toBe(422);
  expect(await reused.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", type: "urn:cmk-portal:problem:idempotency-key-reused" });

  // Poll the status until Azure has the disk encryption set.
  await expect
    .poll(
      async () => {
        const status = (await (await request.get("/api/v1/status", { headers: api })).json()) as { diskEncryptionSets?: { provisioningState: string }[] };
        return status.diskEncryptionSets?.[0]?.provisioningState;
      },
      { timeout: 90_000, intervals: [1_000, 2_000] },
    )
    .toBe("SUCCEEDED");
  const onboarding = await (await request.get("/api/v1/onboarding", { headers: api })).json();
  expect(onboarding).toMatchObject({ tenantId: CONTOSO.tenantId, consentStatus: "GRANTED", step: "SUBMITTED", keyUrl });

  // The provider's own automation sees it through the staff endpoints; the customer's pipeline cannot.
  const staff = { authorization: `Bearer ${await clientCredentialsToken(request, staffAutomation, PORTAL_API)}` };
  const list = (await (await request.get(`/api/v1/tenants?q=${encodeURIComponent(CONTOSO.tenantId)}`, { headers: staff })).json()) as { rows: { id: string; tenantId: string; desState: string }[] };
  const row = list.rows.find((r) => r.tenantId === CONTOSO.tenantId);
  expect(row?.desState).toBe("SUCCEEDED");
  const detail = await request.get(`/api/v1/tenants/${row!.id}`, { headers: staff });
  expect(await detail.json()).toMatchObject({ tenantId: CONTOSO.tenantId, step: "SUBMITTED", diskEncryptionSets: [{ id: result.diskEncryptionSetId, provisioningState: "SUCCEEDED" }] });
  expect((await request.get("/api/v1/tenants", { headers: api })).status()).toBe(403);
});
