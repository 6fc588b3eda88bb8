import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIM } from "../../e2e/azure-sim/seed";
import { checkProviderReadiness } from "./readiness";
import { startHarness, type ProvisioningHarness } from "./testing";

let h: ProvisioningHarness;
beforeAll(async () => {
  h = await startHarness("cmk_ready");
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe("provider readiness", () => {
  it("passes on the simulator's provider set-up, item by item", async () => {
    const report = await checkProviderReadiness();
    expect(report.ok).toBe(true);
    expect(report.items.map((i) => [i.id, i.ok])).toEqual([["uami", true], ["app-multitenant", true], ["fic-match", true], ["fic-count", true]]);
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

  it("flags an app at the 20-credential limit", async () => {
    const app = h.sim.state.applications.get(SIM.cmkAppClientId);
    if (!app) throw new Error("CMK app missing");
    const saved = app.federatedIdentityCredentials;
    app.federatedIdentityCredentials = [...saved, ...Array.from({ length: 19 }, (_, i) => ({ id: `extra-${i}`, name: `extra-${i}`, issuer: "https://token.actions.githubusercontent.com", subject: `repo:x/y:${i}`, audiences: ["api://AzureADTokenExchange"] }))];
    try {
      const report = await checkProviderReadiness();
      expect(report.items.find((i) => i.id === "fic-count")).toMatchObject({ ok: false, detail: "20 of 20 used." });
      expect(report.items.find((i) => i.id === "fic-match")).toMatchObject({ ok: true });
    } finally {
      app.federatedIdentityCredentials = saved;
    }
  });
});
