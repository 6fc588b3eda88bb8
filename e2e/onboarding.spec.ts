import { expect, test, type Browser, type Page } from "@playwright/test";
import { pickAccount, ready, signInAs } from "./support/auth";
import { screenshot } from "./support/screenshots";
import { simControl } from "./support/sim";
import { freshWorld } from "./support/world";

// The customer journeys, in order: they share one database and one simulator.
test.describe.configure({ mode: "serial" });

async function consentAsAdmin(page: Page, upn: string) {
  await signInAs(page, upn, "customer");
  await expect(page).toHaveURL(/\/onboarding\/consent$/);
  await page.getByRole("button", { name: "Grant admin consent" }).click();
  await pickAccount(page, upn);
  await page.getByRole("button", { name: "Accept" }).click();
  await expect(page).toHaveURL(/\/onboarding\/vault/);
  await ready(page);
}

async function newBrowserPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: test.info().project.use.baseURL });
  return context.newPage();
}

// Every journey file starts from the seeded simulator and an empty database.
test.beforeAll(freshWorld);

test("(b) a vault without purge protection is blocked with an explanation", async ({ page }) => {
  await consentAsAdmin(page, "admin@fabrikam.example");
  const vault = page.getByRole("listitem").filter({ hasText: "fabrikam-kv" });
  await expect(vault.getByText("Not usable")).toBeVisible();
  await expect(vault.getByRole("button", { name: "Use fabrikam-kv" })).toBeDisabled();
  await expect(vault).toContainText("Purge protection is off. Azure refuses disk encryption sets with keys from such vaults.");
  await expect(vault).toContainText("--enable-purge-protection true");
  await screenshot(page, "wizard-vault-no-purge-protection");
});

test("(c) a vault in a region the provider does not serve is blocked", async ({ page }) => {
  await consentAsAdmin(page, "admin@northwind.example");
  const vault = page.getByRole("listitem").filter({ hasText: "northwind-kv" });
  await expect(vault.getByRole("button", { name: "Use northwind-kv" })).toBeDisabled();
  await expect(vault).toContainText("The vault is in australiaeast, but your disks run in westeurope, northeurope");
  await screenshot(page, "wizard-vault-wrong-region");
});

test("(g) a new vault and key created from the wizard — keyboard only — and (f) the key disabled before verification", async ({ page }) => {
  await signInAs(page, "admin@northwind.example", "customer");
  await page.goto("/onboarding/vault");
  await ready(page);
  // A bad name is refused with the reason, announced and focused (keyboard users land on it).
  await page.getByLabel("Vault name").fill("x");
  await page.getByLabel("Resource group").fill("northwind-keys-rg");
  await page.getByRole("button", { name: "Create vault" }).click();
  await expect(page.locator("main").getByRole("alert")).toBeFocused();
  await expect(page.locator("main").getByRole("alert")).toContainText("Vault names are 3–24 characters");
  // From here on, keyboard only: typing, Tab, Enter and Space.
  await page.getByLabel("Vault name").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("northwind-cmk-we");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/key$/, { timeout: 20_000 });
  await expect(page.getByText("This vault has no keys yet")).toBeVisible();
  await page.getByLabel("Key name").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("northwind-disk-key");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/access$/, { timeout: 20_000 });
  await screenshot(page, "wizard-access-step");

  // (f) The key is disabled in the customer's vault after it was selected: verification diagnoses it.
  await simControl("keys/disable", { vault: "northwind-cmk-we", key: "northwind-disk-key" });
  await page.getByRole("button", { name: "Grant access" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/verify$/);
  await expect(page.locator("main").getByRole("alert")).toContainText("The key is disabled.", { timeout: 20_000 });
  await expect(page.locator("main").getByRole("alert")).toContainText("Enable the key");
  await screenshot(page, "wizard-verify-key-disabled");
  await simControl("keys/enable", { vault: "northwind-cmk-we", key: "northwind-disk-key" });
  await page.getByRole("button", { name: "Verify again" }).focus();
  await page.keyboard.press("Space");
  await expect(page.getByText("Key Vault wrapped and unwrapped a test value with it for the app")).toBeVisible({ timeout: 20_000 });
  await page.getByRole("link", { name: "Continue to review" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Review and submit");
  await page.getByRole("button", { name: "Submit and create my disk encryption set" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/status$/);
});

test("(a) happy path on an RBAC vault, with (h) resuming in another browser, (d) the snippet path and (e) role propagation delay", async ({ page, browser }) => {
  await consentAsAdmin(page, "admin@contoso.example");
  await screenshot(page, "wizard-vault-list");
  // Keyboard only: focus the vault's button and press Enter.
  await page.getByRole("button", { name: "Use contoso-cmk-kv" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/key$/);
  // Owner has no Key Vault data role on an RBAC vault: the wizard explains it and offers to assign one.
  await expect(page.locator("main").getByRole("alert")).toContainText("even Owner needs a Key Vault data role for keys");
  await screenshot(page, "wizard-key-needs-data-role");
  await page.getByRole("button", { name: "Give me Key Vault Crypto Officer on this vault" }).click();
  const key = page.getByRole("row").filter({ hasText: "disk-key" });
  await expect(key).toContainText("RSA / 3072");
  await expect(key).toContainText("Version to use:");
  await screenshot(page, "wizard-key-list");
  await key.getByRole("button", { name: "Use disk-key" }).click();
  await expect(page).toHaveURL(/\/onboarding\/access$/);

  // (h) The same admin opens another browser: the wizard resumes at the same step.
  const second = await newBrowserPage(browser);
  await signInAs(second, "admin@contoso.example", "customer");
  await expect(second).toHaveURL(/\/onboarding\/access$/);

  // (d) A colleague without the right to assign roles gets the ready-to-paste commands.
  const colleague = await newBrowserPage(browser);
  await signInAs(colleague, "keyadmin@contoso.example", "customer");
  await expect(colleague).toHaveURL(/\/onboarding\/access$/);
  await colleague.getByRole("button", { name: "Grant access" }).click();
  await expect(colleague.locator("main").getByRole("alert").filter({ hasText: "cannot assign roles" })).toBeVisible();
  await expect(colleague.getByText("--assignee-principal-type ServicePrincipal")).toBeVisible();
  await expect(colleague.getByText("New-AzRoleAssignment")).toBeVisible();
  await screenshot(colleague, "wizard-access-snippets");
  await colleague.getByRole("button", { name: "It's done — check again" }).click();
  await expect(colleague.locator("main").getByRole("alert").filter({ hasText: "does not have access to the key yet" })).toBeVisible();

  // (e) Role assignments now take 6 s to propagate: verification waits and then succeeds.
  await simControl("settings", { propagationDelayMs: 6_000 });
  await page.getByRole("button", { name: "Grant access" }).click();
  await expect(page).toHaveURL(/\/onboarding\/verify$/);
  await expect(page.getByText(/Not yet — attempt \d+\./)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText("role propagation can take a few minutes")).toBeVisible();
  await screenshot(page, "wizard-verify-waiting");
  await expect(page.getByText("Key Vault wrapped and unwrapped a test value with it for the app")).toBeVisible({ timeout: 40_000 });
  await simControl("settings", { propagationDelayMs: 0 });
  await screenshot(page, "wizard-verified");

  await colleague.getByRole("button", { name: "It's done — check again" }).click();
  await expect(colleague).toHaveURL(/\/onboarding\/verify$/);

  await page.getByRole("link", { name: "Continue to review" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Review and submit");
  await expect(page.getByText(/https:\/\/contoso-cmk-kv\.vault\.localhost:\d+\/keys\/disk-key\/[0-9a-f]{32}/)).toBeVisible();
  await screenshot(page, "wizard-review");
  await page.getByRole("button", { name: "Submit and create my disk encryption set" }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your disk encryption set");
  await expect(page.getByText(/Queued|Creating|Succeeded/).first()).toBeVisible();
  await screenshot(page, "status-after-submit");
  await expect(page.getByTestId("des-state")).toHaveText("Succeeded", { timeout: 60_000 });
  await screenshot(page, "status-succeeded");
});
