// An existing vault closes its firewall (trusted services still allowed): the provider's probe is refused with
// ForbiddenByFirewall. The verify step then offers what really works — the provider's egress addresses, or
// skipping the probe so that Azure's own DES check decides — and only for that failure.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedQueue } from "../jobs/queue";
import { verifyOnce } from "../testing/verification";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import { testDb } from "../testing/db";
import { setAppEnvForTests } from "../testing/app-env";
import { sessionFor, startSimForTests } from "../testing/sim";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { grantAccess, grantMyselfKeyAccess, selectKey, selectVault, skipProbeBlockedByFirewall } from "./service";
import { PROBE_SKIPPED_NOTICE } from "./verification";
import { submitAction } from "./submit-action";

const db = testDb();
const { contoso } = SIM.customers;
const vaultResourceId = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
let sim: SimHandle;
let connie: SessionUser;
const ctx = () => ({ db, user: connie });
const vault = () => sim.state.vaultByName(contoso.vaultName)!;
const onboarding = async () => (await db.customerTenant.findUniqueOrThrow({ where: { tenantId: contoso.tenantId }, include: { onboarding: true } })).onboarding!;

beforeAll(async () => {
  sim = await startSimForTests();
  setAppEnvForTests({ ...sim.appEnv(), PROVIDER_EGRESS_IPS: "203.0.113.10, 198.51.100.0/28" });
  sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  connie = await sessionFor(sim, db, "contosoAdmin");
  await confirmConsent(db, connie);
  await selectVault(ctx(), { vaultResourceId });
  await grantMyselfKeyAccess(ctx());
  await selectKey(ctx(), { keyName: contoso.keyName });
  await grantAccess(ctx());
}, 90_000);

afterAll(async () => {
  await closeSharedQueue();
  await sim?.stop();
});

describe("the vault firewall blocks the provider's probe", () => {
  it("a failure that is not the firewall offers no skip, and the skip is refused", async () => {
    const key = vault().keys.get(contoso.keyName)!;
    const latest = key.versions[key.versions.length - 1]!;
    latest.enabled = false;
    try {
      const outcome = await verifyOnce(ctx(), { restart: true });
      expect(outcome).toMatchObject({ state: "failed", problem: "KEY_DISABLED" });
      expect(outcome).not.toHaveProperty("firewall");
      await expect(skipProbeBlockedByFirewall(ctx())).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("only when the vault's firewall blocks it") });
      expect(await onboarding()).toMatchObject({ step: "VERIFY", probeSkippedAt: null });
    } finally {
      latest.enabled = true;
    }
  });

  it("offers the provider's egress addresses as az commands, and the skip", async () => {
    vault().networkDefaultAction = "Deny";
    expect(vault().networkBypass).toContain("AzureServices");
    const outcome = await verifyOnce(ctx(), { restart: true });
    expect(outcome).toMatchObject({
      state: "failed",
      problem: "VAULT_FIREWALL",
      azureCode: "ForbiddenByFirewall",
      firewall: {
        vaultName: contoso.vaultName,
        egressAddresses: ["203.0.113.10", "198.51.100.0/28"],
        commands: [`az keyvault network-rule add --name ${contoso.vaultName} --ip-address 203.0.113.10`, `az keyvault network-rule add --name ${contoso.vaultName} --ip-address 198.51.100.0/28`],
        skipOffered: true,
      },
    });
  });

  it("skipping records it on the onboarding, audits it, and lets submit proceed without a verification", async () => {
    await expect(submitAction.run(connie, { rotationToLatest: true }, db)).resolves.toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(await skipProbeBlockedByFirewall(ctx())).toEqual({ state: "skipped", notice: PROBE_SKIPPED_NOTICE });
    const stored = await onboarding();
    expect(stored).toMatchObject({ step: "REVIEW", verifiedAt: null, lastVerifyProblem: "VAULT_FIREWALL" });
    expect(stored.probeSkippedAt).toBeInstanceOf(Date);
    const audit = await db.auditEvent.findFirst({ where: { action: "onboarding.verify.skip_probe" } });
    expect(audit).toMatchObject({ result: "SUCCESS" });
    expect(JSON.stringify(audit?.details)).toContain("VAULT_FIREWALL");

    const submitted = await submitAction.run(connie, { rotationToLatest: true }, db);
    expect(submitted).toMatchObject({ ok: true });
    const submitAudit = await db.auditEvent.findFirst({ where: { action: "onboarding.submit", result: "SUCCESS" } });
    expect(submitAudit?.details).toMatchObject({ probeSkipped: true });
  });
});
