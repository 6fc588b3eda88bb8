// /api/v1 against the simulator and a database of its own: every operation of the served OpenAPI document is called
// (the test fails when the document has an operation without a call here) and each response is validated against
// the schema the document gives for its status; then authentication, app roles, idempotency and the rate limit.
import { ClientSecretCredential } from "@azure/identity";
import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { SIM, servicePrincipalObjectId } from "../../e2e/azure-sim/seed";
import { personaCredential, portalApiToken } from "../../e2e/azure-sim/testing";
import { setAppEnvForTests } from "../testing/app-env";
import { keyUrlOf, startHarness, startTestWorker, vaultId, waitFor, type ProvisioningHarness } from "../provisioning/testing";
import type { RunningWorker } from "../jobs/worker";
import { GET as servedDocument } from "../../app/api/v1/openapi.json/route";
import { grantHsmKeyAccess } from "../azure/managed-hsm";
import { apiHandler } from "./http";
import { runIdempotently } from "./idempotency";
import { ALL_OPERATIONS } from "./operations";

let h: ProvisioningHarness;
let worker: RunningWorker | undefined;
const BASE = "http://localhost:3000";
const CONTOSO = SIM.customers.contoso;
const PORTAL_RESOURCE = `api://${SIM.portalClientId}`;

type Doc = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: { schemas: Record<string, unknown> } };
let doc: Doc;

beforeAll(async () => {
  h = await startHarness("api_v1");
  worker = await startTestWorker(h);
  doc = (await (await servedDocument()).json()) as Doc;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

async function clientToken(tenantId: string, clientId: string, secret: string, resource: string): Promise<string> {
  const response = await fetch(`${h.sim.url}/${tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope: `${resource}/.default` }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(body.error_description);
  return body.access_token;
}

const pipelineToken = () => clientToken(CONTOSO.tenantId, SIM.contosoPipeline.clientId, SIM.contosoPipeline.secret, PORTAL_RESOURCE);
const staffToken = () => clientToken(SIM.providerTenantId, SIM.staffAutomation.clientId, SIM.staffAutomation.secret, PORTAL_RESOURCE);

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Assigns Customer.Automation to the pipeline's service principal the way an admin's script does: Graph appRoleAssignedTo. */
async function assignAutomationRole(): Promise<number> {
  const graphToken = await clientToken(CONTOSO.tenantId, SIM.contosoPipeline.clientId, SIM.contosoPipeline.secret, "https://graph.microsoft.com");
  const graph = (path: string, init: RequestInit = {}) => fetch(`${h.sim.url}/graph/v1.0${path}`, { ...init, headers: { authorization: `Bearer ${graphToken}`, "content-type": "application/json" } });
  const portal = (await (await graph(`/servicePrincipals(appId='${SIM.portalClientId}')`)).json()) as { id: string; appRoles: { id: string; value: string; allowedMemberTypes: string[] }[] };
  const role = portal.appRoles.find((r) => r.value === "Customer.Automation");
  expect(role?.allowedMemberTypes).toContain("Application");
  const response = await graph(`/servicePrincipals/${portal.id}/appRoleAssignedTo`, {
    method: "POST",
    body: JSON.stringify({ principalId: servicePrincipalObjectId(SIM.contosoPipeline.clientId, CONTOSO.tenantId), resourceId: portal.id, appRoleId: role!.id }),
  });
  return response.status;
}

type Call = { method: string; path: string; token: string; body?: unknown; headers?: Record<string, string> };

async function call({ method, path, token, body, headers = {} }: Call) {
  const url = new URL(path, BASE);
  const operation = ALL_OPERATIONS.find((op) => op.method === method.toLowerCase() && new RegExp(`^${op.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(url.pathname));
  if (!operation) throw new Error(`no operation for ${method} ${path}`);
  const templateNames = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const values = new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, "([^/]+)")}$`).exec(url.pathname)!.slice(1);
  const params = Object.fromEntries(templateNames.map((name, i) => [name, values[i]!]));
  const request = new Request(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const response = await apiHandler(operation, () => h.db)(request, params);
  const text = await response.text();
  return { operation, status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/** Inlines `#/components/schemas/…` references, so zod can read the documented schema as it stands. */
function resolve(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(resolve);
  if (!schema || typeof schema !== "object") return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref) return resolve(doc.components.schemas[ref.replace("#/components/schemas/", "")]);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v)]));
}

function expectDocumented(result: Awaited<ReturnType<typeof call>>) {
  const documented = doc.paths[result.operation.path]?.[result.operation.method]?.responses[String(result.status)];
  expect(documented, `${result.operation.operationId} answered ${result.status}, which the document does not list`).toBeDefined();
  const [contentType, media] = Object.entries(documented!.content ?? {})[0]!;
  expect(result.headers.get("content-type")).toBe(contentType);
  const validator = z.fromJSONSchema(resolve(media.schema) as Parameters<typeof z.fromJSONSchema>[0]);
  const checked = validator.safeParse(result.json);
  expect(checked.success, `${result.operation.operationId} ${result.status}: ${JSON.stringify(checked.error?.issues)}`).toBe(true);
}

describe("/api/v1 as documented", () => {
  it("serves an OpenAPI 3.1 document whose every operation is called here and answers as documented", async () => {
    expect(doc.paths).toBeDefined();
    expect((doc as unknown as { openapi: string }).openapi).toBe("3.1.0");
    expect(await assignAutomationRole()).toBe(201);
    const pipeline = await pipelineToken();
    expect(claimsOf(pipeline)).toMatchObject({ idtyp: "app", roles: ["Customer.Automation"], tid: CONTOSO.tenantId });
    const staff = await staffToken();
    const keyUrl = keyUrlOf(h.sim, "contoso");

    const submitted = await call({ method: "POST", path: "/api/v1/onboarding/key", token: pipeline, body: { keyUrl, vaultResourceId: vaultId("contoso"), region: "westeurope", rotationToLatest: false }, headers: { "Idempotency-Key": "journey-1" } });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
    const desId = submitted.json.diskEncryptionSetId as string;
    const succeeded = await waitFor(async () => {
      const status = await call({ method: "GET", path: "/api/v1/status", token: pipeline });
      const des = (status.json.diskEncryptionSets as { provisioningState: string }[] | undefined)?.[0];
      return des?.provisioningState === "SUCCEEDED" || des?.provisioningState === "FAILED" ? status : undefined;
    }, 60_000, "the disk encryption set");
    expect((succeeded.json.diskEncryptionSets as { provisioningState: string }[])[0]?.provisioningState).toBe("SUCCEEDED");
    const tenantRow = await h.db.customerTenant.findUniqueOrThrow({ where: { tenantId: CONTOSO.tenantId } });
    // The customer's key admin makes a new key version, so support has something to rotate to.
    await new KeyClient(keyUrl.replace(/\/keys\/.*$/, ""), await personaCredential(h.sim, "contosoKeyAdmin")).rotateKey(CONTOSO.keyName);

    const calls: Record<string, Call> = {
      getOnboarding: { method: "GET", path: "/api/v1/onboarding", token: pipeline },
      submitKey: { method: "POST", path: "/api/v1/onboarding/key", token: pipeline, body: { keyUrl, vaultResourceId: vaultId("contoso"), region: "westeurope", rotationToLatest: false }, headers: { "Idempotency-Key": "journey-1" } },
      getStatus: { method: "GET", path: "/api/v1/status", token: pipeline },
      listTenants: { method: "GET", path: "/api/v1/tenants?q=contoso&page=1", token: staff },
      getTenant: { method: "GET", path: `/api/v1/tenants/${tenantRow.id}`, token: staff },
      rotateKey: { method: "POST", path: `/api/v1/tenants/${tenantRow.id}/rotate`, token: staff, body: { diskEncryptionSetId: desId }, headers: { "Idempotency-Key": "rotate-1" } },
    };
    const expected: Record<string, number> = { getOnboarding: 200, submitKey: 202, getStatus: 200, listTenants: 200, getTenant: 200, rotateKey: 200 };
    const documented = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(documented.length).toBe(ALL_OPERATIONS.length);
    for (const operationId of documented) {
      const planned = calls[operationId];
      expect(planned, `the document has ${operationId}, but this test does not call it`).toBeDefined();
      const result = await call(planned!);
      expect(result.status, `${operationId}: ${JSON.stringify(result.json)}`).toBe(expected[operationId]);
      expectDocumented(result);
    }
    // The document's problem responses hold too: one refusal per operation (no token at all).
    for (const planned of Object.values(calls)) {
      const refused = await call({ ...planned, token: "not-a-token" });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toContain("Bearer");
      expectDocumented(refused);
    }
    const onboarding = await call(calls.getOnboarding!);
    expect(onboarding.json).toMatchObject({ step: "SUBMITTED", consentStatus: "GRANTED", keyUrl });
    const listed = await call(calls.listTenants!);
    expect((listed.json.rows as { tenantId: string; desState: string }[]).find((r) => r.tenantId === CONTOSO.tenantId)?.desState).toBe("SUCCEEDED");
  }, 120_000);

  it("replays a POST with the same Idempotency-Key and body, refuses it with another body (422)", async () => {
    const pipeline = await pipelineToken();
    // The first version of the key: the journey above submitted it before the key admin made a second one.
    const firstVersion = (await h.db.keyReference.findFirstOrThrow({ where: { customerTenant: { tenantId: CONTOSO.tenantId } }, orderBy: { createdAt: "asc" } })).keyUrl;
    const body = { keyUrl: firstVersion, vaultResourceId: vaultId("contoso"), region: "westeurope", rotationToLatest: false };
    // The same request in another key order is the same request.
    const again = await call({ method: "POST", path: "/api/v1/onboarding/key", token: pipeline, body: { rotationToLatest: false, region: "westeurope", vaultResourceId: body.vaultResourceId, keyUrl: body.keyUrl }, headers: { "Idempotency-Key": "journey-1" } });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await call({ method: "POST", path: "/api/v1/onboarding/key", token: pipeline, body: { ...body, rotationToLatest: true }, headers: { "Idempotency-Key": "journey-1" } });
    expect(other.status).toBe(422);
    expect(other.json).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", type: "urn:cmk-portal:problem:idempotency-key-reused", status: 422 });
    // Without the key the same request runs again, and the state machine answers: already submitted.
    const fresh = await call({ method: "POST", path: "/api/v1/onboarding/key", token: pipeline, body });
    expect(fresh.status).toBe(409);
    expect(fresh.json).toMatchObject({ code: "CONFLICT", title: expect.any(String), fix: expect.any(String), reference: expect.stringMatching(/^[0-9a-f-]{8}$/) });
  });

  it("runs concurrent duplicates once: the second is told the first is still running", async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const input = { callerKey: "tenant|caller", key: "concurrent-1", fingerprint: "same", ttlHours: 1 };
    const first = runIdempotently(h.db, input, async () => {
      runs += 1;
      await gate;
      return { status: 201, body: { n: runs } };
    });
    await waitFor(async () => runs === 1, 5_000, "the first request to start running");
    await expect(runIdempotently(h.db, input, async () => ({ status: 201, body: { n: ++runs } }))).rejects.toMatchObject({ code: "CONFLICT" });
    release();
    expect((await first).response).toEqual({ status: 201, body: { n: 1 } });
    expect(await runIdempotently(h.db, input, async () => ({ status: 201, body: { n: ++runs } }))).toEqual({ kind: "replayed", response: { status: 201, body: { n: 1 } } });
    expect(runs).toBe(1);
  });

  it("needs the right app role: none → 403, a customer app on staff operations → 403, staff on customer operations → 403", async () => {
    h.sim.state.appRoleAssignments = h.sim.state.appRoleAssignments.filter((a) => a.principalAppId !== SIM.contosoPipeline.clientId);
    const roleless = await pipelineToken();
    expect(claimsOf(roleless).roles).toBeUndefined();
    const refused = await call({ method: "GET", path: "/api/v1/status", token: roleless });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ code: "FORBIDDEN", type: "urn:cmk-portal:problem:forbidden" });
    expect(await assignAutomationRole()).toBe(201);
    const pipeline = await pipelineToken();
    expect((await call({ method: "GET", path: "/api/v1/tenants", token: pipeline })).status).toBe(403);
    expect((await call({ method: "GET", path: "/api/v1/status", token: await staffToken() })).status).toBe(403);
    // A person's delegated token works as their sign-in would; a guest's is refused whatever its roles.
    expect((await call({ method: "GET", path: "/api/v1/onboarding", token: await portalApiToken(h.sim, "contosoAdmin") })).status).toBe(200);
    const guest = await call({ method: "GET", path: "/api/v1/onboarding", token: await portalApiToken(h.sim, "contosoGuest") });
    expect(guest.status).toBe(403);
    expect(String(guest.json.detail)).toMatch(/guest/);
    // A token for another resource (Graph) is not one for the portal's API.
    const graph = await clientToken(CONTOSO.tenantId, SIM.contosoPipeline.clientId, SIM.contosoPipeline.secret, "https://graph.microsoft.com");
    expect((await call({ method: "GET", path: "/api/v1/status", token: graph })).status).toBe(401);
  });

  it("limits each tenant: 429 with Retry-After as problem+json", async () => {
    await h.db.rateLimitCounter.deleteMany();
    setAppEnvForTests({ ...h.sim.appEnv(), DATABASE_URL: h.databaseUrl, RATE_LIMIT_API_PER_TENANT: "3" });
    try {
      const pipeline = await pipelineToken();
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 5 && !limited; i++) {
        const result = await call({ method: "GET", path: "/api/v1/onboarding", token: pipeline });
        statuses.push(result.status);
        if (result.status === 429) limited = result;
      }
      expect(limited, `statuses: ${statuses.join(",")}`).toBeDefined();
      expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(limited!.headers.get("content-type")).toBe("application/problem+json");
      expect(limited!.json).toMatchObject({ code: "RATE_LIMITED", status: 429 });
      // Another tenant is not held back by Contoso's calls.
      expect((await call({ method: "GET", path: "/api/v1/tenants", token: await staffToken() })).status).toBe(200);
    } finally {
      // setAppEnvForTests writes into process.env: the override stays unless removed.
      delete process.env.RATE_LIMIT_API_PER_TENANT;
      setAppEnvForTests({ ...h.sim.appEnv(), DATABASE_URL: h.databaseUrl });
    }
  });
});

describe("/api/v1 with a key in a Managed HSM (app-only)", () => {
  const WOODGROVE = SIM.hsmCustomer;
  const hsmId = `/subscriptions/${WOODGROVE.subscriptionId}/resourceGroups/${WOODGROVE.resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${WOODGROVE.hsmName}`;
  const woodgroveToken = () => clientToken(WOODGROVE.tenantId, SIM.woodgrovePipeline.clientId, SIM.woodgrovePipeline.secret, PORTAL_RESOURCE);
  const submit = async (body: Record<string, unknown>) => call({ method: "POST", path: "/api/v1/onboarding/key", token: await woodgroveToken(), body });

  it("applies the wizard's host rules and checks, takes the store and region from the key itself, and reaches a Succeeded disk encryption set", async () => {
    expect(claimsOf(await woodgroveToken())).toMatchObject({ idtyp: "app", roles: ["Customer.Automation"], tid: WOODGROVE.tenantId });
    const pool = h.sim.state.hsmByName(WOODGROVE.hsmName)!;
    const key = pool.keys.get(WOODGROVE.keyName)!;
    const keyUrl = h.sim.state.keyId(pool, WOODGROVE.keyName, key.versions[key.versions.length - 1]!.version);
    expect(keyUrl).toMatch(/^https:\/\/woodgrove-hsm\.managedhsm\.localhost:\d+\/keys\/disk-key\/[0-9a-f]{32}$/);
    // The customer's side, as its pipeline does it: the CMK app's service principal (consent equivalent)…
    const cmkSp = h.sim.faults.grantConsent(SIM.cmkAppClientId, WOODGROVE.tenantId);

    // The same host rules as the wizard: a look-alike host is refused before anything is asked of Azure.
    const lookalike = await submit({ keyUrl: keyUrl.replace("managedhsm.localhost", "managedhsm.localhost.evil.example"), vaultResourceId: hsmId });
    expect(lookalike.status).toBe(400);
    expect(lookalike.json).toMatchObject({ code: "VALIDATION_FAILED", fields: { keyUrl: expect.stringContaining("not a Key Vault address") } });
    // The resource id must name the pool the key URL is in, and a pool's key is not granted through Azure RBAC.
    expect((await submit({ keyUrl, vaultResourceId: vaultId("contoso") })).json).toMatchObject({ fields: { vaultResourceId: expect.stringContaining("pool's resource id") } });
    expect((await submit({ keyUrl, vaultResourceId: hsmId.replace(/managedHSMs\/.*$/, "managedHSMs/other-hsm") })).json).toMatchObject({ fields: { vaultResourceId: expect.stringContaining(`but the key is in ${WOODGROVE.hsmName}`) } });
    expect((await submit({ keyUrl, vaultResourceId: hsmId, permissionModel: "RBAC" })).json).toMatchObject({ fields: { permissionModel: expect.stringContaining("local RBAC") } });

    // Without the local role the provider's probe is refused: 409 with the pool's own fix.
    const early = await submit({ keyUrl, vaultResourceId: hsmId });
    expect(early.status).toBe(409);
    expect(early.json).toMatchObject({ fix: expect.stringContaining(`“Managed HSM Crypto Service Encryption User” at /keys/${WOODGROVE.keyName} in ${WOODGROVE.hsmName}`) });

    // …and the local role at /keys/{name}, through the pool's own role-assignment API.
    const pipeline = new ClientSecretCredential(WOODGROVE.tenantId, SIM.woodgrovePipeline.clientId, SIM.woodgrovePipeline.secret, { authorityHost: h.sim.url, disableInstanceDiscovery: true });
    expect(await grantHsmKeyAccess(pipeline, { hsmUri: h.sim.state.vaultUri(pool), keyName: WOODGROVE.keyName, servicePrincipalObjectId: cmkSp })).toBe("created");

    // The pool says it is in westeurope: another provider region is refused here, not by Azure later.
    const elsewhere = await submit({ keyUrl, vaultResourceId: hsmId, region: "northeurope" });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json).toMatchObject({ code: "VALIDATION_FAILED", fields: { region: expect.stringContaining("the key's Managed HSM is in westeurope") } });

    const submitted = await submit({ keyUrl, vaultResourceId: hsmId });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
    expect(submitted.json).toMatchObject({ state: "SUBMITTED", keyUrl, region: WOODGROVE.location });
    expect(await h.db.onboarding.findFirstOrThrow({ where: { customerTenant: { tenantId: WOODGROVE.tenantId } } })).toMatchObject({ vaultResourceId: hsmId, permissionModel: "MANAGED_HSM", region: WOODGROVE.location, step: "SUBMITTED" });
    expect(await h.db.keyReference.findFirstOrThrow({ where: { customerTenant: { tenantId: WOODGROVE.tenantId } } })).toMatchObject({ permissionModel: "MANAGED_HSM", keyType: "RSA-HSM", keySize: 3072, keyUrl });
    expect(await h.db.auditEvent.findFirst({ where: { action: "api.onboarding.verify", result: "SUCCESS", targetId: keyUrl } })).toMatchObject({ details: expect.objectContaining({ regionSource: "key-store", permissionModel: "MANAGED_HSM" }) });

    const status = await waitFor(async () => {
      const result = await call({ method: "GET", path: "/api/v1/status", token: await woodgroveToken() });
      const des = (result.json.diskEncryptionSets as { provisioningState: string }[] | undefined)?.[0];
      return des?.provisioningState === "SUCCEEDED" || des?.provisioningState === "FAILED" ? result : undefined;
    }, 60_000, "Woodgrove's disk encryption set");
    expect(status.json.diskEncryptionSets).toEqual([expect.objectContaining({ provisioningState: "SUCCEEDED", keyUrl, region: WOODGROVE.location })]);
    expect(h.sim.state.diskEncryptionSets.values().filter((d) => d.keyUrl === keyUrl)).toHaveLength(1);
  }, 120_000);
});
