// `npm run provider` against the simulator's provider-empty tenant: apply builds Phase 1 from nothing, check
// passes, a second apply changes nothing, a tampered federated credential is found and repaired, and the
// product's onboarding and provisioning run on exactly what apply created.
import { createHash, randomBytes } from "node:crypto";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimHandle } from "../../e2e/azure-sim/index";
import { PROVIDER_EMPTY, providerEmptyScenario } from "../../e2e/azure-sim/provider-empty";
import { BUILTIN_ROLES, PERSONAS, SIM, type PersonaName } from "../../e2e/azure-sim/seed";
import { CUSTOMER_ADMIN_ROLE, staffRolesFromClaim } from "../auth/roles";
import { DELEGATED_AZURE_SCOPES } from "../azure/endpoints";
import { createSession } from "../auth/session-store";
import { verifyPortalAccessToken } from "../auth/token-validation";
import { completeAdminConsent, startAdminConsent } from "../consent/service";
import { parseProviderSetupEnv, type ProviderSetupEnv } from "../env";
import type { RunningWorker } from "../jobs/worker";
import { enqueueProvisioning } from "../provisioning/service";
import { jobFinished, keyUrlOf, startTestWorker, vaultId } from "../provisioning/testing";
import { testDatabaseUrl, testDb } from "../testing/db";
import { setAppEnvForTests } from "../testing/app-env";
import { isFailing } from "./checks";
import { runProviderCommand } from "./cli";
import { operatorCredential } from "./credential";
import { PORTAL_APP_ROLES } from "./desired";
import { delegatedCredential } from "../azure/credentials";
import { portalEnvValues } from "./env-block";
import { describePlan } from "./plan";
import { providerSetup, type ProviderSetup } from "./service";

const APP_BASE_URL = "http://localhost:3000";
let sim: SimHandle;
let env: ProviderSetupEnv;
let setup: ProviderSetup;

function setupEnvFor(s: SimHandle): Record<string, string> {
  return {
    AZURE_AUTHORITY_HOST: s.url, AZURE_ARM_ENDPOINT: `${s.url}/arm`, AZURE_GRAPH_ENDPOINT: `${s.url}/graph`, APP_BASE_URL,
    PROVIDER_TENANT_ID: SIM.providerTenantId, PROVIDER_SUBSCRIPTION_ID: SIM.providerSubscriptionId, PROVIDER_DES_REGIONS: SIM.desRegions.join(","),
    PROVIDER_VM_RESOURCE_GROUPS: PROVIDER_EMPTY.workloadResourceGroup, PROVIDER_SETUP_CREDENTIAL: "client-secret",
    PROVIDER_SETUP_CLIENT_ID: PROVIDER_EMPTY.setupClientId, PROVIDER_SETUP_CLIENT_SECRET: PROVIDER_EMPTY.setupClientSecret,
  };
}

beforeAll(async () => {
  sim = await startSimulator({ quiet: true, lroDurationMs: 50, scenario: providerEmptyScenario });
  env = parseProviderSetupEnv(setupEnvFor(sim));
  setup = providerSetup(env, operatorCredential(env, () => undefined));
});

afterAll(async () => {
  await sim?.stop();
});

/**
 * Sign-in as the portal's browser code does: authorize with PKCE at the SPA redirect URI asking consent for the Azure
 * APIs it calls on-behalf-of, accept the consent prompt, redeem the code cross-origin.
 */
async function portalToken(persona: PersonaName, portalClientId: string): Promise<string> {
  const user = PERSONAS[persona];
  const verifier = randomBytes(32).toString("base64url");
  const redirectUri = `${APP_BASE_URL}/auth/callback`;
  const scope = `api://${portalClientId}/access_as_user`;
  const url = `${sim.url}/${user.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: portalClientId, response_type: "code", redirect_uri: redirectUri,
    scope: `openid profile ${scope} ${DELEGATED_AZURE_SCOPES.join(" ")}`, state: "s", nonce: "n", code_challenge: createHash("sha256").update(verifier).digest("base64url"), code_challenge_method: "S256", response_mode: "query" })}`;
  const page = await (await fetch(url)).text();
  const requestId = /name="sim_request" value="([^"]+)"/.exec(page)?.[1];
  if (!requestId) throw new Error(`No sign-in form: ${page.slice(0, 300)}`);
  const post = (fields: Record<string, string>) => fetch(url, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ sim_request: requestId, ...fields }) });
  let answer = await post({ sim_user: user.oid });
  if (answer.status === 200) answer = await post({ sim_decision: "accept" });
  const code = new URL(answer.headers.get("location") ?? "about:blank").searchParams.get("code");
  if (!code) throw new Error(`No code (HTTP ${answer.status})`);
  const token = await fetch(`${sim.url}/${user.tenantId}/oauth2/v2.0/token`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: APP_BASE_URL },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: portalClientId, code, redirect_uri: redirectUri, code_verifier: verifier, scope }),
  });
  const body = (await token.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`Token request failed: ${body.error_description ?? token.status}`);
  return body.access_token;
}

/** Follows the admin-consent URL the product made, as the customer's administrator who accepts. */
async function consentAsAdmin(consentUrl: string, persona: PersonaName): Promise<Record<string, string>> {
  const page = await (await fetch(consentUrl)).text();
  const requestId = /name="sim_request" value="([^"]+)"/.exec(page)?.[1];
  if (!requestId) throw new Error(`No consent form: ${page.slice(0, 300)}`);
  const post = (fields: Record<string, string>) => fetch(consentUrl, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ sim_request: requestId, ...fields }) });
  await post({ sim_user: PERSONAS[persona].oid });
  const answer = await post({ sim_decision: "accept" });
  const location = new URL(answer.headers.get("location") ?? "about:blank");
  expect(`${location.origin}${location.pathname}`).toBe(`${APP_BASE_URL}/api/consent/callback`);
  return Object.fromEntries(location.searchParams);
}

const failing = async () => (await setup.check()).checks.filter(isFailing);

describe("provider set-up (npm run provider) on an empty provider tenant", () => {
  it("plans every Phase 1 resource, and check names each missing piece", async () => {
    const lines = describePlan(await setup.plan());
    expect(lines).toEqual(expect.arrayContaining([
      "+ resource group cmk-provider-rg (westeurope)", "+ user-assigned managed identity cmk-des-identity in cmk-provider-rg (westeurope)",
      '+ portal app registration "CMK Portal"', '+ CMK app registration "CMK access"', "    + api.requestedAccessTokenVersion: 2",
      "    + subject: (principal id of the managed identity, known after apply)",
    ]));
    expect((await failing()).map((c) => c.id)).toEqual(expect.arrayContaining(["portal-app", "cmk-app", "identity", "fic", "portal-fic", "custom-role"]));
  });

  it("apply creates it all; check then passes; a second apply and plan report no changes", async () => {
    const ran = await setup.apply();
    expect(ran.map((s) => s.kind)).toEqual(expect.arrayContaining(["create-resource-group", "create-identity", "create-app", "create-service-principal", "create-fic",
      "put-custom-role", "create-role-assignment", "update-app"]));
    expect(await failing()).toEqual([]);

    const current = await setup.current();
    const portal = sim.state.applications.get(current.portalApp.registration?.appId ?? "");
    expect(portal).toMatchObject({ spaRedirectUris: [`${APP_BASE_URL}/auth/callback`], redirectUris: [], requestedAccessTokenVersion: 2, apiScopes: ["access_as_user"],
      appRoles: PORTAL_APP_ROLES.map((r) => r.value), requiredResourceAccess: [{ resource: "https://management.azure.com", scopes: ["user_impersonation"] }, { resource: "https://vault.azure.net", scopes: ["user_impersonation"] }],
      registration: { signInAudience: "AzureADMultipleOrgs", identifierUris: [`api://${portal?.appId}`] } });
    expect(portal?.federatedIdentityCredentials).toEqual([expect.objectContaining({ issuer: `${sim.url}/${SIM.providerTenantId}/v2.0`, subject: current.identity?.principalId, audiences: ["api://AzureADTokenExchange"] })]);
    const cmk = sim.state.applications.get(current.cmkApp.registration?.appId ?? "");
    expect(cmk).toMatchObject({ redirectUris: [`${APP_BASE_URL}/api/consent/callback`, `${APP_BASE_URL}/consent/callback`], spaRedirectUris: [], graphApplicationPermissions: [],
      federatedIdentityCredentials: [{ issuer: `${sim.url}/${SIM.providerTenantId}/v2.0`, subject: current.identity?.principalId, audiences: ["api://AzureADTokenExchange"] }] });
    // Least privilege: no subscription-wide role, only the custom role and Managed Identity Operator.
    const assignments = sim.state.roleAssignments.values().filter((ra) => ra.principalId === current.identity?.principalId);
    expect(assignments.map((ra) => ra.scope.split("/").slice(3).join("/")).sort()).toEqual([
      "resourceGroups/cmk-provider-rg", "resourceGroups/cmk-provider-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmk-des-identity", `resourceGroups/${PROVIDER_EMPTY.workloadResourceGroup}`]);
    expect(assignments.find((ra) => ra.scope.endsWith("cmk-des-identity"))?.roleDefinitionId).toBe(BUILTIN_ROLES.managedIdentityOperator);

    expect(await setup.apply()).toEqual([]);
    expect(describePlan(await setup.plan())).toEqual(["No changes. The provider set-up matches the desired state."]);
  });

  it("onboarding and provisioning succeed using only what apply created", async () => {
    const current = await setup.current();
    const portalApp = current.portalApp.registration!;
    // No client secret: the portal app trusts the managed identity (apply made its federated credential).
    const values = portalEnvValues(env, current);
    expect(values).toMatchObject({ PORTAL_CLIENT_ID: portalApp.appId, PORTAL_CLIENT_SECRET: "", PROVIDER_UAMI_CLIENT_ID: current.identity?.clientId });
    setAppEnvForTests({ ...sim.appEnv(), ...values, DATABASE_URL: testDatabaseUrl() });
    // The operator attaches the identity to the portal's host (App Service → Identity), outside this command.
    sim.faults.setHostIdentities([current.identity!.clientId]);
    const db = testDb();

    // Staff sign in to the new portal app and get their app role.
    const staff = await verifyPortalAccessToken(await portalToken("operator", portalApp.appId));
    expect(staffRolesFromClaim(staff.roles)).toEqual(["Operator"]);

    // The product's own readiness checks (as the new managed identity and CMK app) pass too.
    const { checks, readiness } = await setup.check();
    expect(readiness).toBe(true);
    expect(checks.filter(isFailing)).toEqual([]);

    // A customer administrator signs in, consents to the CMK app (Web redirect) and gives it the key role, on behalf of themselves (OBO, ARM user_impersonation).
    const contoso = SIM.customers.contoso;
    const adminToken = await portalToken("contosoAdmin", portalApp.appId);
    const identity = await verifyPortalAccessToken(adminToken);
    await db.customerTenant.create({ data: { tenantId: contoso.tenantId, displayName: contoso.displayName, onboarding: { create: {} } } });
    const { user } = await createSession(db, { kind: "CUSTOMER", identity, roles: [CUSTOMER_ADMIN_ROLE], apiToken: adminToken });
    const callback = await consentAsAdmin(await startAdminConsent(db, user), "contosoAdmin");
    const { servicePrincipalObjectId } = await completeAdminConsent(db, user, callback);
    const auth = new AuthorizationManagementClient(delegatedCredential(db, user), contoso.subscriptionId, { endpoint: `${sim.url}/arm`, credentialScopes: ["https://management.azure.com/.default"] });
    await auth.roleAssignments.create(vaultId("contoso"), "0f5a7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b", {
      roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
      principalId: servicePrincipalObjectId, principalType: "ServicePrincipal",
    });

    // The disk encryption set is created by the new identity with only its least-privilege roles.
    const keyUrl = keyUrlOf(sim, "contoso");
    const tenant = await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId } });
    const keyReference = await db.keyReference.create({ data: { customerTenantId: tenant.id, vaultResourceId: vaultId("contoso"), vaultUri: keyUrl.replace(/keys\/.*$/, ""),
      keyName: contoso.keyName, keyVersion: keyUrl.split("/").pop() ?? "", keyUrl, keyType: "RSA", keySize: 3072, permissionModel: "RBAC", region: contoso.location } });
    const { jobId } = await enqueueProvisioning(db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: true, requestedBy: identity.objectId });
    let worker: RunningWorker | undefined;
    try {
      worker = await startTestWorker({ sim, db, databaseUrl: testDatabaseUrl(), close: async () => undefined });
      const job = await jobFinished(db, jobId);
      expect(job.attemptLog.map((a) => a.errorCode)).toEqual([null]);
      expect(job.status).toBe("SUCCEEDED");
    } finally {
      await worker?.stop();
    }
    const des = sim.state.diskEncryptionSets.values().find((d) => d.name === `cmk-${contoso.tenantId}-westeurope`);
    expect(des).toMatchObject({ provisioningState: "Succeeded", federatedClientId: current.cmkApp.registration?.appId, resourceGroup: "cmk-provider-rg",
      identity: { type: "UserAssigned", userAssignedIdentities: { [current.identity!.id]: expect.anything() } } });
  }, 90_000);

  it("check reports a federated credential whose subject was changed, and apply puts it back", async () => {
    const current = await setup.current();
    const cmk = current.cmkApp.registration!;
    const fic = current.fics[0]!;
    // Tampered through Graph, as someone with rights on the app could.
    await setup.adapters.graph.updateFederatedCredential(cmk.objectId, fic.id, { issuer: fic.issuer, subject: "00000000-0000-4000-8000-000000000000", audiences: fic.audiences });
    // Both the operator-side check and the portal's own readiness (a federated token request, AADSTS700213) see it.
    expect(await failing()).toEqual([expect.objectContaining({ id: "fic", detail: expect.stringContaining("subject 00000000-0000-4000-8000-000000000000"), fix: expect.stringContaining("apply") }),
      expect.objectContaining({ id: "readiness-fic-match", detail: expect.stringContaining("AADSTS700213") })]);
    expect((await setup.apply()).map((s) => s.kind)).toEqual(["update-fic"]);
    expect(await failing()).toEqual([]);
    expect(sim.state.applications.get(cmk.appId)?.federatedIdentityCredentials).toMatchObject([{ subject: current.identity?.principalId }]);
  });
});

describe("npm run provider (the command line)", () => {
  async function cli(command: string) {
    const lines: string[] = [];
    const code = await runProviderCommand([command], () => parseProviderSetupEnv(setupEnvFor(sim)), { log: (l) => lines.push(l), error: (l) => lines.push(l) });
    return { code, stdout: lines.join("\n") };
  }

  it("check exits 1 with one line per failing check and its fix; env prints the block without secrets; bad usage exits 2", async () => {
    sim.reset(providerEmptyScenario);
    // Off the portal's host: no managed identity endpoint, so the portal's own readiness checks are skipped.
    setAppEnvForTests({ IDENTITY_ENDPOINT: "" });
    const before = await cli("check");
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/^✖ The portal app is registered: No registration "CMK Portal" in the provider tenant\. Fix: Run `npm run provider -- apply`\.$/m);
    expect(before.stdout.split("\n").filter((l) => l.startsWith("✖")).length).toBeGreaterThan(5);
    expect(before.stdout).toContain("· Portal readiness checks skipped");
    expect((await cli("env")).code).toBe(1);

    expect(await cli("apply")).toMatchObject({ code: 0, stdout: expect.stringMatching(/Apply complete: \d+ change\(s\)\.$/) });
    expect(await cli("apply")).toEqual({ code: 0, stdout: "No changes. The provider set-up matches the desired state." });
    expect(await cli("check")).toMatchObject({ code: 0, stdout: expect.stringMatching(/✔ All \d+ checks pass\./) });
    const block = await cli("env");
    expect(block.code).toBe(0);
    expect(block.stdout).toMatch(/^PORTAL_CLIENT_ID=[0-9a-f-]{36}$/m);
    expect(block.stdout).toMatch(/^PORTAL_CLIENT_SECRET=$/m);
    expect(block.stdout).not.toContain(PROVIDER_EMPTY.setupClientSecret);
    expect(await cli("bogus")).toMatchObject({ code: 2, stdout: expect.stringContaining("Usage: npm run provider -- <command>") });
  }, 120_000);

  it("a configuration error names the variable and exits 2", async () => {
    const lines: string[] = [];
    const code = await runProviderCommand(["plan"], () => parseProviderSetupEnv({ ...setupEnvFor(sim), PROVIDER_TENANT_ID: "not-a-guid" }), { log: (l) => lines.push(l), error: (l) => lines.push(l) });
    expect(code).toBe(2);
    expect(lines.join("\n")).toContain("PROVIDER_TENANT_ID: must be a GUID");
  });
});
