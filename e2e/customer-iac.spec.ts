import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID } from "../lib/onboarding/access";
import { ready, signInAs } from "./support/auth";
import { consentAsAdmin } from "./support/wizard";
import { screenshot } from "./support/screenshots";
import { freshWorld } from "./support/world";
import { SIM } from "./azure-sim/seed";

// The access step offers the customer's side as code: both files download with the signed-in tenant's values.
test.beforeAll(freshWorld);

const contoso = SIM.customers.contoso;

async function download(page: Page, name: RegExp): Promise<{ filename: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
  return { filename: file.suggestedFilename(), text: await readFile((await file.path())!, "utf8") };
}

test("the access step offers the Terraform and CLI files, filled in with the customer's own values", async ({ page }) => {
  test.setTimeout(240_000); // two sign-ins, consent and two downloads on a shared, busy machine
  await consentAsAdmin(page, "admin@contoso.example");
  await page.getByRole("button", { name: `Use ${contoso.vaultName}` }).click();
  await expect(page).toHaveURL(/\/onboarding\/key$/);
  await page.getByRole("button", { name: "Give me Key Vault Crypto Officer on this vault" }).click();
  const key = page.getByRole("row").filter({ hasText: contoso.keyName });
  await expect(key).toContainText("Version to use:", { timeout: 20_000 });
  await key.getByRole("button", { name: `Use ${contoso.keyName}` }).click();
  await expect(page).toHaveURL(/\/onboarding\/access$/);
  await ready(page);

  const section = page.getByRole("region", { name: "Or apply it as code" });
  await expect(section.getByRole("link", { name: "Download the Terraform configuration" })).toBeVisible();
  await expect(section.getByRole("link", { name: "Download the Azure CLI script" })).toBeVisible();
  await expect(section).toContainText("choose “It's done — check again” above: the portal verifies the grant exactly as it does for the commands");
  await section.scrollIntoViewIfNeeded();
  await screenshot(page, "wizard-access-iac");

  const terraform = await download(page, /Terraform configuration/);
  expect(terraform.filename).toBe("cmk-customer-side.tf");
  expect(terraform.text).toContain(`tenant_id         = "${contoso.tenantId}"`);
  expect(terraform.text).toContain(`cmk_app_client_id = "${SIM.cmkAppClientId}"`);
  expect(terraform.text).toContain(`crypto_service_encryption_user_role_id = "${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID}"`);
  expect(terraform.text).toContain(`default     = "${contoso.subscriptionId}"`);
  expect(terraform.text).toContain(`default     = "${contoso.vaultName}"`);
  expect(terraform.text).not.toMatch(/fabrikam|northwind/i);

  const cli = await download(page, /Azure CLI script/);
  expect(cli.filename).toBe("cmk-customer-side.sh");
  expect(cli.text).toContain(`TENANT_ID='${contoso.tenantId}'`);
  expect(cli.text).toContain(`KEY_NAME="\${KEY_NAME:-${contoso.keyName}}"`);
  expect(cli.text).toContain(`CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID='${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID}'`);
  expect(cli.text).toContain(`SUBSCRIPTION_ID="\${SUBSCRIPTION_ID:-${contoso.subscriptionId}}"`);

  // Only a customer administrator downloads them: a reader of the same tenant is refused with the reason.
  const reader = await page.context().browser()!.newContext({ ignoreHTTPSErrors: true, baseURL: test.info().project.use.baseURL });
  const readerPage = await reader.newPage();
  await signInAs(readerPage, "reader@contoso.example", "customer");
  const refused = await readerPage.request.get("/api/onboarding/iac/terraform");
  expect(refused.status()).toBe(403);
  expect((await refused.json()).message).toContain("needs the Customer.Admin role");
  await reader.close();
});
