// Support rotation to a new version of an HSM key: the version list and the switch checks run through the CMK app's
// federated token against the pool's data plane, as for vault keys.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyClient } from "@azure/keyvault-keys";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM, servicePrincipalObjectId } from "../../e2e/azure-sim/seed";
import { personaCredential } from "../../e2e/azure-sim/testing";
import { startSimForTests } from "../testing/sim";
import { grantHsmKeyAccess } from "../azure/managed-hsm";
import { listKeyVersions } from "./azure";
import { validateKeyForSwitch } from "./rotation";

const woodgrove = SIM.hsmCustomer;
let sim: SimHandle;

beforeAll(async () => {
  sim = await startSimForTests();
  sim.faults.grantConsent(SIM.cmkAppClientId, woodgrove.tenantId);
  const hsmUri = sim.state.vaultUri(sim.state.hsmByName(woodgrove.hsmName)!);
  await grantHsmKeyAccess(await personaCredential(sim, "woodgroveAdmin"), { hsmUri, keyName: woodgrove.keyName, servicePrincipalObjectId: servicePrincipalObjectId(SIM.cmkAppClientId, woodgrove.tenantId) });
}, 60_000);
afterAll(async () => sim?.stop());

describe("rotating to a new HSM key version", () => {
  it("lists the versions and accepts the newest one (purge protection, RSA-HSM, wrap/unwrap probe)", async () => {
    const hsmUri = sim.state.vaultUri(sim.state.hsmByName(woodgrove.hsmName)!);
    const rotated = await new KeyClient(hsmUri, await personaCredential(sim, "woodgroveAdmin")).rotateKey(woodgrove.keyName);
    const versions = await listKeyVersions(woodgrove.tenantId, hsmUri, woodgrove.keyName);
    expect(versions).toHaveLength(2);
    expect(versions.at(-1)?.keyUrl).toBe(rotated.id);
    const validation = await validateKeyForSwitch(woodgrove.tenantId, rotated.id!);
    expect(validation.ok).toBe(true);
    expect(validation.checks.map((c) => [c.id, c.status])).toEqual(expect.arrayContaining([["type", "pass"], ["purge-protection", "pass"]]));
  }, 60_000);

  it("refuses the switch once the customer removes the pool's local role (revocation by the customer)", async () => {
    sim.faults.removeHsmRoleAssignments(woodgrove.hsmName, servicePrincipalObjectId(SIM.cmkAppClientId, woodgrove.tenantId));
    const hsm = sim.state.hsmByName(woodgrove.hsmName)!;
    const key = hsm.keys.get(woodgrove.keyName)!;
    const validation = await validateKeyForSwitch(woodgrove.tenantId, sim.state.keyId(hsm, key.name, key.versions.at(-1)!.version));
    expect(validation.ok).toBe(false);
    expect(validation.checks.find((c) => c.id === "read")?.status).toBe("fail");
  }, 60_000);
});
