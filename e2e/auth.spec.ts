import { expect, test } from "@playwright/test";
import { pickAccount, ready, signInAs, signOut } from "./support/auth";
import { screenshot } from "./support/screenshots";
import { SIM_URL, simControl } from "./support/sim";
import { freshWorld } from "./support/world";

// One journey through the Contoso tenant, in order: refusals first, then the grant, then replays.
test.describe.configure({ mode: "serial" });

// Every journey file starts from the seeded simulator and an empty database.
test.beforeAll(freshWorld);

test.describe("admin consent", () => {
  test("a non-admin is refused consent and gets the link for their administrator", async ({ page }) => {
    await signInAs(page, "user@contoso.example", "customer");
    await expect(page).toHaveURL(/\/onboarding\/consent$/);
    await expect(page.getByText("Skyline CMK Access")).toBeVisible();
    await screenshot(page, "consent-step");
    await page.getByRole("button", { name: "Grant admin consent" }).click();
    await pickAccount(page, "user@contoso.example");
    await expect(page.getByText("Need admin approval")).toBeVisible();
    await page.getByRole("button", { name: "Return to the application" }).click();
    await expect(page).toHaveURL(/problem=not-admin/);
    await expect(page.locator("main").getByRole("alert")).toContainText("Only an administrator of your organization can grant this consent");
    const link = page.getByLabel("Send this link to an administrator who can grant consent");
    await expect(link).toHaveValue(new RegExp(`^${SIM_URL}/aaaaaaaa-0000-4000-8000-00000000000a/v2\\.0/adminconsent\\?client_id=33333333-3333-4333-8333-333333333333`));
    await screenshot(page, "consent-not-admin");
  });

  test("a declined consent is explained and can be retried", async ({ page }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    await page.getByRole("button", { name: "Grant admin consent" }).click();
    await pickAccount(page, "admin@contoso.example");
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(page).toHaveURL(/problem=declined/);
    await expect(page.locator("main").getByRole("alert")).toContainText("Consent was declined");
    await expect(page.getByRole("button", { name: "Grant admin consent" })).toBeVisible();
    await screenshot(page, "consent-declined");
  });

  test("a tampered state is rejected", async ({ page }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    await page.getByRole("button", { name: "Grant admin consent" }).click();
    await expect(page).toHaveURL(/adminconsent/);
    const state = new URL(page.url()).searchParams.get("state");
    expect(state).toBeTruthy();
    await page.goto(`/api/consent/callback?admin_consent=True&tenant=aaaaaaaa-0000-4000-8000-00000000000a&state=${state}x`);
    await ready(page);
    await expect(page).toHaveURL(/problem=invalid-state/);
    await expect(page.locator("main").getByRole("alert")).toContainText("already used or did not start from your sign-in");
  });

  test("a tenant admin grants consent and lands on the key vault step; replaying the response is rejected", async ({ page }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    await page.getByRole("button", { name: "Grant admin consent" }).click();
    await pickAccount(page, "admin@contoso.example");
    await expect(page.getByText("requests permissions in")).toBeVisible();
    await screenshot(page, "consent-simulator-page");
    const callback = page.waitForRequest((req) => req.url().includes("/api/consent/callback"));
    await page.getByRole("button", { name: "Accept" }).click();
    const callbackUrl = (await callback).url();
    await expect(page).toHaveURL(/\/onboarding\/vault/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Choose a key vault");
    await screenshot(page, "vault-step-after-consent");

    await page.goto(callbackUrl);

    await ready(page);
    await expect(page).toHaveURL(/problem=invalid-state/);
  });

  test("a forwarded consent link only informs; the wizard confirms with Graph", async ({ page }) => {
    await page.goto("/consent/callback?admin_consent=True&tenant=bbbbbbbb-0000-4000-8000-00000000000b");
    await ready(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Consent granted — thank you");
  });
});

test.describe("areas and roles", () => {
  test("an operator reaches the dashboard but not the support console", async ({ page }) => {
    await signInAs(page, "operator@skyline.example", "operator");
    await expect(page).toHaveURL(/\/tenants/);
    await expect(page.getByText("Operator area")).toBeVisible();
    await expect(page.getByText("You need a role for this area")).toHaveCount(0);
    await page.goto("/support");
    await ready(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("You need a role for this area");
    await expect(page.locator("main").getByRole("alert")).toContainText("Support or SupportApprover");
    await screenshot(page, "operator-refused-support");
  });

  test("a support user reaches the console but not the dashboard", async ({ page }) => {
    await signInAs(page, "support@skyline.example", "support");
    await expect(page).toHaveURL(/\/support/);
    await expect(page.getByText("Support area")).toBeVisible();
    await page.goto("/tenants");
    await ready(page);
    await expect(page.locator("main").getByRole("alert")).toContainText("Ask your administrator for role Operator");
  });

  test("staff without a role are told which role to ask for", async ({ page }) => {
    await signInAs(page, "norole@skyline.example", "operator");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("You need a role for this area");
    await expect(page.locator("main").getByRole("alert")).toContainText("Ask your administrator for role Operator");
    await screenshot(page, "staff-no-role");
  });

  test("customer accounts cannot enter staff areas, and staff accounts cannot onboard", async ({ page }) => {
    await signInAs(page, "admin@northwind.example", "customer");
    await page.goto("/tenants");
    await ready(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("This account cannot use this area");
    await signOut(page);

    await page.goto("/signin?area=customer");

    await ready(page);
    await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    await pickAccount(page, "operator@skyline.example");
    await expect(page.locator("main").getByRole("alert")).toContainText("Provider staff accounts cannot onboard as a customer");
  });

  test("a customer account is refused by the staff sign-in", async ({ page }) => {
    await page.goto("/signin?area=operator");
    await ready(page);
    await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    // The staff sign-in asks Entra for the provider tenant only: customer accounts are not even offered.
    await expect(page.locator('button[data-upn="admin@contoso.example"]')).toHaveCount(0);
    await expect(page.locator('button[data-upn="operator@skyline.example"]')).toBeVisible();
  });
});

test.describe("sessions", () => {
  test("after sign-out the back button shows nothing private", async ({ page }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    await page.goto("/onboarding/vault");
    await ready(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Choose a key vault");
    await signOut(page);
    await page.goBack();
    await expect(page).toHaveURL(/\/signin/);
    await expect(page.getByText("Choose a key vault")).toHaveCount(0);
    await expect(page.getByText("Contoso")).toHaveCount(0);
  });

  test("an ended session sends the user through sign-in and back to the page they were on", async ({ page, context }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    await context.clearCookies();
    await page.goto("/onboarding/vault?q=contoso");
    await ready(page);
    await expect(page).toHaveURL(/\/signin\?area=customer&returnTo=%2Fonboarding%2Fvault%3Fq%3Dcontoso/);
    await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    await pickAccount(page, "admin@contoso.example");
    await expect(page).toHaveURL(/\/onboarding\/vault\?q=contoso$/);
  });
});

test.describe("consent to act in Azure on the admin's behalf", () => {
  const PORTAL = "22222222-2222-4222-8222-222222222222";
  const CONTOSO = "aaaaaaaa-0000-4000-8000-00000000000a";

  test("missing consent for ARM is explained (not an expired sign-in); signing in again asks consent for ARM and Key Vault and fixes it", async ({ page }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    // The organization's grant for Azure Resource Manager goes away after sign-in (e.g. an admin removed it).
    await simControl("consent/revoke-delegated", { appId: PORTAL, tenantId: CONTOSO, resource: "https://management.azure.com" });
    await page.goto("/onboarding/vault");
    await ready(page);
    const problem = page.locator("main").getByRole("alert");
    await expect(problem).toContainText("has not consented to the portal managing Azure resources on your behalf");
    await expect(problem).toContainText("AADSTS65001");
    await expect(page).toHaveURL(/\/onboarding\/vault$/);
    await screenshot(page, "consent-required-for-arm");

    await problem.getByRole("link", { name: "Sign in again to grant consent" }).click();
    await expect(page.getByRole("status")).toContainText("needs your consent to manage Azure resources");
    await ready(page);
    await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    await pickAccount(page, "admin@contoso.example");
    await expect(page.locator('[data-permission="https://management.azure.com/user_impersonation"]')).toBeVisible();
    await expect(page.locator('[data-permission="https://vault.azure.net/user_impersonation"]')).toBeVisible();
    await screenshot(page, "consent-simulator-sign-in-permissions");
    await page.getByRole("button", { name: "Accept" }).click();
    await expect(page).toHaveURL(/\/onboarding\/vault$/, { timeout: 20_000 });
    await ready(page);
    await expect(page.getByLabel("Subscription")).toContainText("Contoso");
    await expect(page.locator("main").getByRole("alert")).toHaveCount(0);
  });
});
