import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIM } from "../../e2e/azure-sim/seed";
import { blockingItems, checkProviderReadiness } from "./readiness";
import { startHarness, type ProvisioningHarness } from "./testing";

let h: ProvisioningHarness;
beforeAll(async () => {
  h = await startHarness("cmk_ready");
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe("provider readiness", () => {
  it("passes on the simulator's provider set-up, where the CMK app holds no Graph permission: the credential count is an unknown, a warning", async () => {
    expect(h.sim.state.applications.get(SIM.cmkAppClientId)?.graphApplicationPermissions).toEqual([]);
    const report = await checkProviderReadiness();
    expect(report.ok).toBe(true);
    expect(report.items.map((i) => [i.id, i.ok])).toEqual([["uami", true], ["app-multitenant", true], ["fic-match", true], ["fic-count", false]]);
    expect(report.items.find((i) => i.id === "fic-count")).toMatchObject({ warning: true, detail: expect.stringMatching(/^Count unknown/), fix: expect.stringContaining("az ad app federated-credential list") });
    expect(blockingItems(report)).toEqual([]);
  });

  it("names the missing federated credential and how to fix it", async () => {
    const app = h.sim.state.applications.get(SIM.cmkAppClientId);
    if (!app) throw new Error("CMK app missing");
    const saved = app.federatedIdentityCredentials;
    app.federatedIdentityCredentials = [];
    try {
      const report = await checkProviderReadiness();
      expect(report.ok).toBe(false);
      const fic = report.items.find((i) => i.id === "fic-match");
      expect(fic).toMatchObject({ ok: false, detail: expect.stringMatching(/AADSTS7002|federated/), fix: expect.stringContaining("federated credential") });
    } finally {
      app.federatedIdentityCredentials = saved;
    }
  });

  it("counts the credentials when the app may list them, and warns at the 20-credential limit without blocking", async () => {
    const app = h.sim.state.applications.get(SIM.cmkAppClientId);
    const homeSp = h.sim.state.servicePrincipal(SIM.cmkAppClientId, SIM.providerTenantId);
    if (!app || !homeSp) throw new Error("CMK app missing");
    const saved = app.federatedIdentityCredentials;
    homeSp.grantedGraphPermissions = ["Application.Read.All"];
    try {
      expect((await checkProviderReadiness()).items.find((i) => i.id === "fic-count")).toMatchObject({ ok: true, detail: "1 of 20 used." });
      app.federatedIdentityCredentials = [...saved, ...Array.from({ length: 19 }, (_, i) => ({ id: `extra-${i}`, name: `extra-${i}`, issuer: "https://token.actions.githubusercontent.com", subject: `repo:x/y:${i}`, audiences: ["api://AzureADTokenExchange"] }))];
      const report = await checkProviderReadiness();
      expect(report.items.find((i) => i.id === "fic-count")).toMatchObject({ ok: false, warning: true, detail: "20 of 20 used." });
      expect(report.items.find((i) => i.id === "fic-match")).toMatchObject({ ok: true });
      expect(report.ok).toBe(true);
    } finally {
      app.federatedIdentityCredentials = saved;
      homeSp.grantedGraphPermissions = [];
    }
  });
});
