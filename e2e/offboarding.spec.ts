import { expect as baseExpect, request, test, type APIRequestContext, type Page } from "@playwright/test";
import { PERSONAS, SIM } from "./azure-sim/seed";
import { ready, signInAs, signOut } from "./support/auth";
import { screenshot } from "./support/screenshots";
import { simControl } from "./support/sim";
import { encryptDisksWithDes, onboardContoso, simState as providerSimState } from "./support/provider";
import { freshWorld } from "./support/world";

// The offboarding journey: Contoso's admin asks to disconnect → the operator sees it → a SupportApprover approves →
// a second person (the operator) starts it → the job moves the disks off the key and deletes the DES → the admin cleans
// up their tenant (the portal removes the role assignment; the enterprise app is deleted by hand) → completed.
test.describe.configure({ mode: "serial" });
// Server pages that read Azure live (disks, DES) take a few seconds on a loaded machine.
const expect = baseExpect.configure({ timeout: 30_000 });
test.setTimeout(240_000);

const contoso = SIM.customers.contoso;
let api: APIRequestContext;
const simState = () => providerSimState(api);

async function openTenant(page: Page, upn: string, area: "operator" | "support") {
  const home = area === "operator" ? "/tenants" : "/support";
  await signInAs(page, upn, area, home);
  await page.getByRole("link", { name: contoso.displayName }).first().click();
  await page.waitForURL(area === "operator" ? /\/tenants\/[^/]+$/ : /\/support\/tenants\/[^/]+$/);
  await ready(page);
}

test.beforeAll(freshWorld);

test.beforeAll(async () => {
  api = await request.newContext({ ignoreHTTPSErrors: true });
});

test.afterAll(async () => {
  await api.dispose();
});

test("set-up: Contoso onboards and the provider encrypts a running VM's disk and a spare disk with its DES", async ({ page }) => {
  await onboardContoso(page);
  await encryptDisksWithDes(api, contoso.keyName, ["vm-app-1-osdisk", "app-data-disk-1"]);
});

test("the customer sees which disks use the key and asks to disconnect, knowing exactly what will happen", async ({ page }) => {
  await signInAs(page, PERSONAS.contosoAdmin.upn, "customer", "/status");
  const disks = page.getByTestId("disks-using-key");
  await expect(disks).toContainText("vm-app-1-osdisk — virtual machine vm-app-1");
  await expect(disks).toContainText("app-data-disk-1 — not attached");
  await page.getByRole("button", { name: "Disconnect…" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Disconnect your key from the provider?" });
  await expect(dialog).toContainText("2 disk(s) of the provider use your key");
  await expect(dialog).toContainText("vm-app-1-osdisk (virtual machine vm-app-1)");
  await expect(dialog).toContainText("back to Microsoft's platform-managed keys");
  await screenshot(page, "offboarding-customer-confirm");
  await dialog.getByRole("button", { name: "Request disconnect" }).click();
  await expect(page.getByTestId("offboarding-state")).toHaveText("Requested, waiting for the provider's approval");
  await expect(page.getByRole("button", { name: "Cancel the disconnect request" })).toBeVisible();
  await screenshot(page, "offboarding-customer-requested");
  await signOut(page);
});

test("the operator sees the request; a SupportApprover approves it and cannot also start it", async ({ page }) => {
  await signInAs(page, PERSONAS.operator.upn, "operator", "/tenants");
  const requests = page.getByRole("region", { name: /Offboarding requests \(1\)/ });
  await expect(requests).toContainText(contoso.displayName);
  await expect(requests.getByTestId("offboarding-request-state")).toHaveText("REQUESTED");
  await screenshot(page, "offboarding-operator-dashboard");
  await requests.getByRole("link", { name: contoso.displayName }).click();
  await page.waitForURL(/\/tenants\/[^/]+$/);
  await expect(page.getByTestId("staff-offboarding-state")).toHaveText("REQUESTED");
  // Before approval the operator has nothing to start.
  await expect(page.getByRole("button", { name: "Start the provider side" })).toHaveCount(0);
  await signOut(page);

  await openTenant(page, PERSONAS.approver.upn, "support");
  const card = page.getByRole("region", { name: "Offboarding", exact: true });
  await card.getByRole("button", { name: "Approve offboarding" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Approve" }).click();
  await expect(card.getByTestId("staff-offboarding-state")).toHaveText("APPROVED");
  await expect(card).toContainText("You approved it, so a second person starts it.");
  await expect(card.getByRole("button", { name: "Start the provider side" })).toHaveCount(0);
  await screenshot(page, "offboarding-support-approved");
  await signOut(page);
});

test("a second person starts it; the job moves the disks off the key, restarts the VM and deletes the DES", async ({ page }) => {
  await openTenant(page, PERSONAS.operator.upn, "operator");
  await page.getByRole("button", { name: "Start the provider side" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Start the provider side" }).click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("staff-offboarding-state")).toHaveText("PROVIDER_DONE", { timeout: 2_000 });
  }).toPass({ timeout: 120_000 });
  await screenshot(page, "offboarding-operator-provider-done");
  const state = await simState();
  expect(state.diskEncryptionSets.filter((d) => d.keyUrl.includes(`/keys/${contoso.keyName}/`))).toEqual([]);
  expect(state.disks.filter((d) => ["vm-app-1-osdisk", "app-data-disk-1"].includes(d.name)).map((d) => d.diskEncryptionSetId ?? null)).toEqual([null, null]);
  expect(state.virtualMachines.find((v) => v.name === "vm-app-1")?.powerState).toBe("running");
  await signOut(page);
});

test("the customer cleans up: the portal removes the role assignment; after they delete the enterprise app, check completes it", async ({ page }) => {
  await signInAs(page, PERSONAS.contosoAdmin.upn, "customer", "/status");
  await expect(page.getByTestId("offboarding-state")).toHaveText("Provider side done: your clean-up remains");
  const section = page.getByRole("region", { name: "Disconnect from the provider" });
  await expect(section).toContainText("az ad sp delete --id");
  await expect(section).toContainText("MSYS_NO_PATHCONV=1 az role assignment delete --ids");
  await section.getByRole("button", { name: "Do it for me" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove access and the app" }).click();
  await expect(page.getByTestId("offboarding-state")).toHaveText("Your clean-up is under way");
  await expect(section).toContainText(/The provider app's access to your key: removed/);
  await expect(section).toContainText("The provider's enterprise app: still there");
  await screenshot(page, "offboarding-customer-cleanup");

  // The admin deletes the enterprise app in Entra themselves (the portal may not: it lacks Application.ReadWrite.All).
  await simControl("consent/revoke", { appId: SIM.cmkAppClientId, tenantId: contoso.tenantId });
  await section.getByRole("button", { name: "I did it myself: check again" }).click();
  await expect(page.getByTestId("offboarding-state")).toHaveText("Disconnected");
  await expect(section).toContainText("The provider no longer uses your key");
  await screenshot(page, "offboarding-customer-completed");
  // A second click anywhere is harmless: there is nothing left to press.
  await expect(section.getByRole("button", { name: "Do it for me" })).toHaveCount(0);

  await page.goto("/audit");
  for (const action of ["customer.offboarding.request", "support.offboarding.approve", "support.offboarding.execute", "offboarding.des.delete", "customer.offboarding.cleanup", "customer.offboarding.completed"]) {
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
  await screenshot(page, "offboarding-customer-audit");
});
