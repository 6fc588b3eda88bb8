import { expect, type Page } from "@playwright/test";
import { SIM } from "../azure-sim/seed";
import { pickAccount, ready, signInAs } from "./auth";

// The wizard's first steps, as most journeys walk them before the part they are about.

/** A customer admin signs in and grants admin consent; returns on the vault step. */
export async function consentAsAdmin(page: Page, upn: string): Promise<void> {
  await signInAs(page, upn, "customer");
  await expect(page).toHaveURL(/\/onboarding\/consent$/);
  await ready(page);
  await page.getByRole("button", { name: "Grant admin consent" }).click();
  await pickAccount(page, upn);
  await page.getByRole("button", { name: "Accept" }).click();
  await expect(page).toHaveURL(/\/onboarding\/vault/);
  await ready(page);
}

/** On the vault step: Contoso's seeded vault, the admin's own data role on it, and its seeded key; returns on the access step. */
export async function chooseContosoVaultAndKey(page: Page): Promise<void> {
  const contoso = SIM.customers.contoso;
  await page.getByRole("button", { name: `Use ${contoso.vaultName}` }).click();
  await expect(page).toHaveURL(/\/onboarding\/key$/);
  await page.getByRole("button", { name: "Give me Key Vault Crypto Officer on this vault" }).click();
  await page.getByRole("row").filter({ hasText: contoso.keyName }).getByRole("button", { name: `Use ${contoso.keyName}` }).click();
  await expect(page).toHaveURL(/\/onboarding\/access$/);
}
