// Managed HSM against the simulator with the real SDKs: pools through ARM, keys and local RBAC on the pool's data
// plane (challenge for the HSM resource, challenge verification on), the probe and a cross-tenant DES with an HSM key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComputeManagementClient } from "@azure/arm-compute";
import { ManagedIdentityCredential } from "@azure/identity";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { HSM_ROLES, SIM, servicePrincipalObjectId } from "../../e2e/azure-sim/seed";
import { personaCredential } from "../../e2e/azure-sim/testing";
import { startSimForTests } from "../testing/sim";
import { ARM_SCOPE } from "./endpoints";
import { probeCustomerKey } from "./key-probe";
import {
  createHsmKey, findHsmKeyAccess, getHsmKey, grantHsmKeyAccess, HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID, listHsmKeys, listManagedHsms,
} from "./managed-hsm";

const woodgrove = SIM.hsmCustomer;
const cmkSp = servicePrincipalObjectId(SIM.cmkAppClientId, woodgrove.tenantId);
let sim: SimHandle;

beforeAll(async () => {
  sim = await startSimForTests();
  sim.faults.grantConsent(SIM.cmkAppClientId, woodgrove.tenantId);
}, 60_000);
afterAll(async () => sim?.stop());

const hsm = () => sim.state.hsmByName(woodgrove.hsmName)!;
const keyUrl = (name: string) => {
  const key = hsm().keys.get(name)!;
  return sim.state.keyId(hsm(), key.name, key.versions.at(-1)!.version);
};

describe("Managed HSM pools and keys", () => {
  it("lists the customer's pool through ARM with its readiness facts", async () => {
    const pools = await listManagedHsms(await personaCredential(sim, "woodgroveAdmin"), woodgrove.subscriptionId);
    expect(pools).toEqual([expect.objectContaining({
      name: woodgrove.hsmName, location: "westeurope", tenantId: woodgrove.tenantId, activationStatus: "Active",
      softDeleteEnabled: true, purgeProtectionEnabled: true, provisioningState: "Succeeded",
      hsmUri: expect.stringMatching(/^https:\/\/woodgrove-hsm\.managedhsm\.localhost:\d+\/$/),
    })]);
  });

  it("answers an unauthenticated call with a challenge naming the HSM resource, and refuses a Key Vault token", async () => {
    const response = await fetch(`${sim.state.vaultUri(hsm())}keys?api-version=7.5`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(`Bearer authorization="${sim.url}/${woodgrove.tenantId}", resource="https://managedhsm.localhost"`);
    const vaultToken = await (await personaCredential(sim, "woodgroveAdmin")).getToken("https://vault.azure.net/.default");
    const refused = await fetch(`${sim.state.vaultUri(hsm())}keys?api-version=7.5`, { headers: { authorization: `Bearer ${vaultToken!.token}` } });
    expect(refused.status).toBe(401);
  });

  it("lists and creates RSA-HSM keys on the data plane (KeyClient, challenge verification on)", async () => {
    const credential = await personaCredential(sim, "woodgroveAdmin");
    const uri = sim.state.vaultUri(hsm());
    expect(await listHsmKeys(credential, uri)).toEqual([expect.objectContaining({ name: woodgrove.keyName, keyType: "RSA-HSM", keySize: 3072, operations: expect.arrayContaining(["wrapKey", "unwrapKey"]) })]);
    const created = await createHsmKey(credential, uri, { name: "hsm-new", keySize: 2048 });
    expect(created).toMatchObject({ name: "hsm-new", keyType: "RSA-HSM", keySize: 2048, keyUriWithVersion: expect.stringMatching(/\/keys\/hsm-new\/[0-9a-f]{32}$/) });
    expect((await getHsmKey(credential, uri, "hsm-new")).currentVersion).toBe(created.currentVersion);
  });

  it("refuses a software-protected RSA key in a pool", async () => {
    const { KeyClient } = await import("@azure/keyvault-keys");
    const client = new KeyClient(sim.state.vaultUri(hsm()), await personaCredential(sim, "woodgroveAdmin"));
    await expect(client.createRsaKey("soft", { keySize: 2048 })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("local RBAC: Managed HSM Crypto Service Encryption User at /keys/{name}", () => {
  it("the CMK app cannot use the key until the role is assigned at the key's scope; then the probe passes", async () => {
    const credential = await personaCredential(sim, "woodgroveAdmin");
    const uri = sim.state.vaultUri(hsm());
    const before = await probeCustomerKey(woodgrove.tenantId, keyUrl(woodgrove.keyName));
    expect(before).toMatchObject({ ok: false, problem: "ROLE_MISSING" });
    expect(await findHsmKeyAccess(credential, { hsmUri: uri, keyName: woodgrove.keyName, servicePrincipalObjectId: cmkSp })).toEqual({ state: "missing" });

    expect(await grantHsmKeyAccess(credential, { hsmUri: uri, keyName: woodgrove.keyName, servicePrincipalObjectId: cmkSp })).toBe("created");
    expect(await grantHsmKeyAccess(credential, { hsmUri: uri, keyName: woodgrove.keyName, servicePrincipalObjectId: cmkSp })).toBe("existed");
    expect([...hsm().roleAssignments.values()]).toContainEqual(expect.objectContaining({ scope: `/keys/${woodgrove.keyName}`, roleDefinitionId: HSM_ROLES.cryptoServiceEncryptionUser, principalId: cmkSp }));
    expect(HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID).toBe(HSM_ROLES.cryptoServiceEncryptionUser);
    expect(await findHsmKeyAccess(credential, { hsmUri: uri, keyName: woodgrove.keyName, servicePrincipalObjectId: cmkSp })).toEqual({ state: "granted" });

    expect(await probeCustomerKey(woodgrove.tenantId, keyUrl(woodgrove.keyName))).toMatchObject({ ok: true });
    // The key scope covers that key only.
    expect(await probeCustomerKey(woodgrove.tenantId, keyUrl("hsm-new"))).toMatchObject({ ok: false, problem: "ROLE_MISSING" });
  });

  it("someone without role-management rights on the pool cannot assign (403 ForbiddenByRbac)", async () => {
    hsm().roleAssignments.clear();
    const credential = await personaCredential(sim, "woodgroveAdmin");
    await expect(grantHsmKeyAccess(credential, { hsmUri: sim.state.vaultUri(hsm()), keyName: woodgrove.keyName, servicePrincipalObjectId: cmkSp }))
      .rejects.toMatchObject({ statusCode: 403, code: "ForbiddenByRbac" });
    sim.reset();
    sim.faults.grantConsent(SIM.cmkAppClientId, woodgrove.tenantId);
  });

  it("a pool whose security domain is not activated serves no key", async () => {
    hsm().activated = false;
    try {
      const credential = await personaCredential(sim, "woodgroveAdmin");
      const [pool] = await listManagedHsms(credential, woodgrove.subscriptionId);
      expect(pool?.activationStatus).toBe("NotActivated");
      await expect(listHsmKeys(credential, sim.state.vaultUri(hsm()))).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      hsm().activated = true;
    }
  });
});

describe("a cross-tenant disk encryption set with an HSM key", () => {
  const compute = () => new ComputeManagementClient(new ManagedIdentityCredential({ clientId: SIM.uami.clientId }), SIM.providerSubscriptionId,
    { endpoint: `${sim.url}/arm`, credentials: { scopes: [ARM_SCOPE] } });
  const des = (url: string) => ({
    location: "westeurope", identity: { type: "UserAssigned" as const, userAssignedIdentities: { [SIM.uami.resourceId]: {} } },
    encryptionType: "EncryptionAtRestWithCustomerKey" as const, activeKey: { keyUrl: url }, federatedClientId: SIM.cmkAppClientId, rotationToLatestKeyVersionEnabled: true,
  });

  it("is refused without the local role, created once the CMK app holds it, and follows a new key version", async () => {
    await expect(compute().diskEncryptionSets.beginCreateOrUpdateAndWait(SIM.providerResourceGroup, "des-hsm", des(keyUrl(woodgrove.keyName)), { updateIntervalInMs: 20 }))
      .rejects.toMatchObject({ code: "KeyVaultAccessForbidden" });
    await grantHsmKeyAccess(await personaCredential(sim, "woodgroveAdmin"), { hsmUri: sim.state.vaultUri(hsm()), keyName: woodgrove.keyName, servicePrincipalObjectId: cmkSp });
    const created = await compute().diskEncryptionSets.beginCreateOrUpdateAndWait(SIM.providerResourceGroup, "des-hsm", des(keyUrl(woodgrove.keyName)), { updateIntervalInMs: 20 });
    expect(created).toMatchObject({ provisioningState: "Succeeded", activeKey: { keyUrl: keyUrl(woodgrove.keyName) } });

    const { KeyClient } = await import("@azure/keyvault-keys");
    const rotated = await new KeyClient(sim.state.vaultUri(hsm()), await personaCredential(sim, "woodgroveAdmin")).rotateKey(woodgrove.keyName);
    sim.faults.tick();
    sim.faults.tick();
    const after = await compute().diskEncryptionSets.get(SIM.providerResourceGroup, "des-hsm");
    expect(after.activeKey?.keyUrl).toBe(rotated.id);
  });
});
