import { expect, test } from "@playwright/test";
import { ready } from "./support/auth";
import { consentAsAdmin } from "./support/wizard";
import { screenshot } from "./support/screenshots";
import { freshWorld } from "./support/world";
import { HSM_ROLES } from "./azure-sim/seed";

// A regulated customer keeps its key in a Managed HSM pool: consent, pick "Managed HSM", the pool and an RSA-HSM key,
// grant the pool's local role to the provider's app, verify, submit, and the disk encryption set is created.
test.beforeAll(freshWorld);

test("an HSM customer onboards with an RSA-HSM key and reaches a Succeeded disk encryption set", async ({ page }) => {
  // One journey through six steps and a provisioning job: longer than the default per-test budget.
  test.setTimeout(300_000);
  await consentAsAdmin(page, "admin@woodgrove.example");

  // The key store is a radio group: choosing Managed HSM lists the subscription's pools with their checks.
  const choice = page.getByRole("group", { name: "Where is your key?" });
  await expect(choice.getByRole("radio", { name: /Key Vault/ })).toBeChecked();
  await choice.getByRole("radio", { name: /Managed HSM/ }).check();
  await expect(page).toHaveURL(/store=hsm/);
  const pool = page.getByRole("listitem").filter({ hasText: "woodgrove-hsm" });
  await expect(pool).toContainText("Activated");
  await pool.getByText("Readiness checks").click();
  await expect(pool).toContainText("Managed HSM local RBAC");
  await screenshot(page, "hsm-pools");
  await pool.getByRole("button", { name: "Use woodgrove-hsm" }).click();

  await expect(page).toHaveURL(/\/onboarding\/key$/, { timeout: 20_000 });
  await ready(page);
  const key = page.getByRole("listitem").filter({ hasText: "disk-key" });
  await expect(key).toContainText("RSA-HSM / 3072 bits");
  await expect(page.getByRole("heading", { name: "Create a new RSA-HSM key in woodgrove-hsm" })).toBeVisible();
  await screenshot(page, "hsm-keys");
  await key.getByRole("button", { name: "Use disk-key" }).click();

  await expect(page).toHaveURL(/\/onboarding\/access$/, { timeout: 20_000 });
  await ready(page);
  await expect(page.locator("main")).toContainText("Managed HSM Crypto Service Encryption User");
  await expect(page.locator("main")).toContainText("woodgrove-hsm: /keys/disk-key");
  await screenshot(page, "hsm-access");
  // The same grant as code: the downloads use the chosen pool and key and the pool's local role.
  const terraform = await page.request.get("/api/onboarding/iac/terraform");
  expect(terraform.status()).toBe(200);
  const tf = await terraform.text();
  expect(tf).toContain('resource "azurerm_key_vault_managed_hardware_security_module_role_assignment" "cmk_app_key_access"');
  expect(tf).toContain(`role_definition_id = "/Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${HSM_ROLES.cryptoServiceEncryptionUser}"`);
  expect(tf).toContain('default     = "woodgrove-hsm"');
  const cli = await page.request.get("/api/onboarding/iac/azure-cli");
  expect(cli.status()).toBe(200);
  expect(await cli.text()).toContain('MANAGED_HSM_NAME="${MANAGED_HSM_NAME:-woodgrove-hsm}"');
  await page.getByRole("button", { name: "Grant access" }).click();

  await expect(page).toHaveURL(/\/onboarding\/verify$/);
  await expect(page.getByText("woodgrove-hsm wrapped and unwrapped a test value with it for the app")).toBeVisible({ timeout: 30_000 });
  await screenshot(page, "hsm-verified");
  await page.getByRole("link", { name: "Continue to review" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Review and submit");
  await expect(page.getByText(/https:\/\/woodgrove-hsm\.managedhsm\.localhost:\d+\/keys\/disk-key\/[0-9a-f]{32}/)).toBeVisible();
  await expect(page.getByText("Managed HSM local RBAC (Crypto Service Encryption User on the key)")).toBeVisible();
  await screenshot(page, "hsm-review");
  await page.getByRole("button", { name: "Submit and create my disk encryption set" }).click();

  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByTestId("des-state")).toHaveText("Succeeded", { timeout: 60_000 });
  await screenshot(page, "hsm-status-succeeded");
});
