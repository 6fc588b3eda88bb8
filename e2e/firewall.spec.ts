import { expect, test } from "@playwright/test";
import { chooseContosoVaultAndKey, consentAsAdmin } from "./support/wizard";
import { screenshot } from "./support/screenshots";
import { simControl } from "./support/sim";
import { freshWorld } from "./support/world";

// An existing vault's firewall is turned on (trusted Microsoft services still allowed) after the key was chosen: the
// provider's probe is refused with ForbiddenByFirewall. Verify says so, offers the two ways that really work, and
// the customer completes onboarding by skipping the probe, which the review page records.
test.beforeAll(freshWorld);

test.afterAll(async () => {
  await simControl("vaults/firewall", { vault: "contoso-cmk-kv", defaultAction: "Allow" });
});

test("the vault firewall blocks the provider's probe: the options are shown and the customer skips the probe", async ({ page }) => {
  await consentAsAdmin(page, "admin@contoso.example");
  await chooseContosoVaultAndKey(page);

  // The customer turns the vault's firewall on; the provider's probe does not come as a trusted service.
  await simControl("vaults/firewall", { vault: "contoso-cmk-kv", defaultAction: "Deny" });
  await page.getByRole("button", { name: "Grant access" }).click();
  await expect(page).toHaveURL(/\/onboarding\/verify$/);
  const diagnosis = page.locator("main").getByRole("alert").filter({ hasText: "firewall" });
  await expect(diagnosis).toContainText("The vault's firewall blocks the provider's probe.", { timeout: 20_000 });
  await expect(diagnosis).toContainText("Azure code: ForbiddenByFirewall");
  await expect(page.getByText("role propagation")).toHaveCount(0);

  const options = page.getByRole("region", { name: "Two ways forward" });
  await expect(options.getByTestId("no-egress")).toContainText("The provider has not published egress addresses");
  await expect(options).toContainText("Not verified: that the provider's app can read, wrap and unwrap your key.");
  const skip = options.getByRole("button", { name: "Skip the probe and continue to review" });
  await expect(skip).toBeDisabled();
  await screenshot(page, "wizard-verify-firewall");
  await options.getByLabel("I understand what is not verified").check();
  await skip.click();

  await expect(page).toHaveURL(/\/onboarding\/review$/);
  await expect(page.getByTestId("probe-skipped")).toContainText("Probe skipped");
  await expect(page.getByTestId("probe-skipped")).toContainText("Azure checks the key itself when it creates the disk encryption set");
  await screenshot(page, "wizard-review-probe-skipped");

  // Back on verify, the page says the probe was skipped instead of probing again.
  await page.goto("/onboarding/verify");
  await expect(page.getByTestId("probe-skipped")).toContainText("Probe skipped");

  await page.goto("/onboarding/review");
  await page.getByRole("button", { name: "Submit and create my disk encryption set" }).click();
  await expect(page).toHaveURL(/\/status$/);
});
