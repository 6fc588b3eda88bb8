import { expect, test } from "@playwright/test";
import { chooseContosoVaultAndKey, consentAsAdmin } from "./support/wizard";
import { screenshot } from "./support/screenshots";
import { simControl } from "./support/sim";
import { freshWorld } from "./support/world";

// Key verification is a job of the provider's worker, not a loop in the browser: the admin grants access, the
// verification waits out role propagation, the admin closes the page, and the status page — opened afresh — shows
// it in progress and then verified, with the way on to review.
test.beforeAll(freshWorld);

test.afterAll(async () => {
  await simControl("settings", { propagationDelayMs: 0 });
});

test("verification goes on with the page closed, and the status page shows it finish", async ({ page, context }) => {
  test.setTimeout(120_000);
  await consentAsAdmin(page, "admin@contoso.example");
  await chooseContosoVaultAndKey(page);

  // The new role assignment takes 20 s to reach Key Vault: the verification has to wait for it.
  await simControl("settings", { propagationDelayMs: 20_000 });
  await page.getByRole("button", { name: "Grant access" }).click();
  await expect(page).toHaveURL(/\/onboarding\/verify$/);
  await expect(page.getByText(/Not yet — attempt \d+\./)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("verify-runs-on")).toContainText("you can close this page and come back");
  await screenshot(page, "verify-job-waiting");
  await page.close();

  // Later, in a new page: the status page shows where the verification is, and follows it to the end.
  const status = await context.newPage();
  await status.goto("/status");
  const card = status.getByTestId("verification-status");
  await expect(card).toContainText(/In progress: (not yet — attempt \d+\.|checking)/);
  await expect(card).toContainText("of up to 10:00");
  await screenshot(status, "status-verification-in-progress");
  await expect(card).toContainText("Verified. From its own tenant, the provider's app read your key", { timeout: 60_000 });
  await screenshot(status, "status-verification-verified");

  // On to review: the wizard is at Review, Verify done.
  await card.getByRole("link", { name: "Continue to review" }).click();
  await expect(status.getByRole("heading", { level: 1 })).toHaveText("Review and submit");
  const steps = status.getByRole("navigation", { name: "Onboarding steps" });
  await expect(steps.getByRole("link", { name: "Verify (done)" })).toBeVisible();
  await expect(steps.getByRole("link", { name: /^Review/ })).toHaveAttribute("aria-current", "step");
});
