// The probe sends the CMK app's token only to Key Vault: key URLs are checked before any connection, the SDK's
// challenge-resource check stays on, and a vault of the simulator passes that check as a real vault does.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { BUILTIN_ROLES, SIM } from "../../e2e/azure-sim/seed";
import { personaCredential } from "../../e2e/azure-sim/testing";
import { setAppEnvForTests } from "../testing/app-env";
import { startHostileVault, type HostileVault } from "../testing/hostile-vault";
import { startSimForTests } from "../testing/sim";
import { ARM_SCOPE } from "./endpoints";
import { probeCustomerKey } from "./key-probe";

const contoso = SIM.customers.contoso;
const VERSION = "0123456789abcdef0123456789abcdef";
let sim: SimHandle;
let hostile: HostileVault;

beforeAll(async () => {
  sim = await startSimForTests();
  // The CMK app is installed in Contoso and may use the vault's keys, as after onboarding.
  const spId = sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  const vaultId = sim.state.vaultByName(contoso.vaultName)!.id;
  const auth = new AuthorizationManagementClient(await personaCredential(sim, "contosoAdmin"), contoso.subscriptionId, { endpoint: `${sim.url}/arm`, credentialScopes: [ARM_SCOPE] });
  await auth.roleAssignments.create(vaultId, randomUUID(), {
    roleDefinitionId: `/subscriptions/${contoso.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES.keyVaultCryptoServiceEncryptionUser}`,
    principalId: spId,
    principalType: "ServicePrincipal",
  });
}, 60_000);

afterAll(async () => {
  await hostile?.stop();
  await sim?.stop();
});

beforeEach(async () => {
  await hostile?.stop();
  hostile = await startHostileVault({ tenantId: contoso.tenantId });
  setAppEnvForTests(sim.appEnv());
});

const contosoKeyUrl = () => sim.state.keyId(sim.state.vaultByName(contoso.vaultName)!, contoso.keyName, sim.state.vaultByName(contoso.vaultName)!.keys.get(contoso.keyName.toLowerCase())!.versions[0]!.version);

describe("key URLs are refused before any connection (SSRF)", () => {
  it.each([
    ["an IP address and port", (port: number) => `https://127.0.0.1:${port}/keys/k/${VERSION}`, "IP address (127.0.0.1)"],
    ["a user name and password", (port: number) => `https://user:pass@contoso.vault.azure.net:${port}/keys/k/${VERSION}`, "user name or password"],
    ["the instance metadata address", () => `https://169.254.169.254/keys/k/${VERSION}`, "IP address (169.254.169.254)"],
    ["a vault host on another port", (port: number) => `https://contoso.vault.azure.net:${port}/keys/k/${VERSION}`, "remove “:"],
    ["an unknown host that resolves to the listener", (port: number) => `https://evil.localhost:${port}/keys/k/${VERSION}`, "not a Key Vault address"],
    ["the simulator's vault host under the default (Azure) configuration", (port: number) => `https://evil.vault.localhost:${port}/keys/k/${VERSION}`, "not a Key Vault address"],
  ])("%s", async (_what, url, reason) => {
    setAppEnvForTests({ ...sim.appEnv(), KEY_VAULT_DNS_SUFFIXES: "vault.azure.net,managedhsm.azure.net" });
    await expect(probeCustomerKey(contoso.tenantId, url(hostile.port))).rejects.toMatchObject({ code: "VALIDATION_FAILED", safeMessage: expect.stringContaining(reason) });
    expect(hostile.connections()).toBe(0);
  });
});

describe("the SDK's challenge-resource check stays on", () => {
  it("a listener under an allowed name whose challenge names ARM is sent no token", async () => {
    const result = await probeCustomerKey(contoso.tenantId, `https://evil.vault.localhost:${hostile.port}/keys/k/${VERSION}`);
    expect(result.ok).toBe(false);
    expect(hostile.requests().length).toBeGreaterThan(0);
    expect(hostile.requests().filter((r) => r.authorization)).toEqual([]);
  });

  it("a simulated vault passes the check: the probe reads the key and unwraps with it", async () => {
    const result = await probeCustomerKey(contoso.tenantId, contosoKeyUrl());
    expect(result).toMatchObject({ ok: true, keyId: contosoKeyUrl() });
  });
});

describe("SDK clients get a fresh options object each", () => {
  it("the User-Agent sent to Key Vault stays the same over 2,000 probes", async () => {
    // No challenge: the SDK gives up after the first request, so each probe builds a client and sends one request.
    await hostile.stop();
    hostile = await startHostileVault({ challengeResource: null });
    const url = `https://ua-probe.vault.localhost:${hostile.port}/keys/k/${VERSION}`;
    for (let i = 0; i < 2000; i += 1) await probeCustomerKey(contoso.tenantId, url);
    const agents = hostile.requests().map((r) => r.userAgent ?? "");
    expect(agents).toHaveLength(2000);
    expect(agents[0]).toContain("azsdk-js-keyvault-keys");
    expect(new Set(agents.map((a) => a.length))).toEqual(new Set([agents[0]!.length]));
  }, 120_000);
});
