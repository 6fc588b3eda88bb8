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
  test("a Customer.Admin who is no directory administrator is refused consent and gets the link for their administrator", async ({ page }) => {
    await signInAs(page, "keyadmin@contoso.example", "customer");
    await expect(page).toHaveURL(/\/onboarding\/consent$/);
    await expect(page.getByText("Skyline CMK Access")).toBeVisible();
    await screenshot(page, "consent-step");
    await page.getByRole("button", { name: "Grant admin consent" }).click();
    await pickAccount(page, "keyadmin@contoso.example");
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
    await expect(page.getByRole("banner").getByText("Operator area")).toBeVisible();
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
    await expect(page.getByRole("banner").getByText("Support area")).toBeVisible();
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

test.describe("who may act for a customer", () => {
  async function signInExpectingRefusal(page: import("@playwright/test").Page, upn: string) {
    await page.goto("/signin?area=customer");
    await ready(page);
    await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    await pickAccount(page, upn);
    // Entra may ask a user who never signed in before to consent to the portal first.
    const refusedHeading = page.getByRole("heading", { name: "You are not signed in" });
    const accept = page.getByRole("button", { name: "Accept" });
    await expect(refusedHeading.or(accept)).toBeVisible({ timeout: 20_000 });
    if (await accept.isVisible()) await accept.click();
    const refusal = page.getByRole("alert").filter({ has: refusedHeading });
    await expect(refusal).toBeVisible({ timeout: 20_000 });
    return refusal;
  }

  test("a member without a customer role is refused at sign-in and told which role to ask for", async ({ page }) => {
    const refusal = await signInExpectingRefusal(page, "user@contoso.example");
    await expect(refusal).toContainText("user@contoso.example has no role for the CMK Portal in your organization");
    await expect(refusal).toContainText("Customer.Admin");
    await expect(refusal.getByRole("link", { name: "Sign in again" })).toBeVisible();
    await screenshot(page, "customer-no-role");
  });

  test("a guest account is refused, whatever app role it was given", async ({ page }) => {
    const refusal = await signInExpectingRefusal(page, "guest_fabrikam.example#EXT#@contoso.example");
    await expect(refusal).toContainText("is a guest in this organization");
    await expect(refusal).toContainText("Sign in with an account of the organization itself");
    await screenshot(page, "customer-guest-refused");
  });

  test("a Customer.Reader sees the wizard but cannot start anything", async ({ page }) => {
    await signInAs(page, "reader@contoso.example", "customer", "/onboarding/consent?problem=not-confirmed");
    await expect(page).toHaveURL(/\/onboarding\/consent\?problem=not-confirmed$/);
    await page.getByRole("button", { name: "Grant admin consent" }).click();
    await expect(page.locator("main").getByRole("alert").filter({ hasText: "needs the role Customer.Admin" })).toBeVisible();
  });
});

test.describe("session hardening", () => {
  test("the session cookie is __Host- prefixed, signing in again ends the previous session, and the browser keeps no Entra tokens", async ({ page, browser }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    const first = (await page.context().cookies()).find((c) => c.name === "__Host-cmk_session");
    expect(first).toMatchObject({ secure: true, path: "/", httpOnly: true });
    expect((await page.context().cookies()).some((c) => c.name === "cmk_session")).toBe(false);
    const msalTokens = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => /accesstoken|idtoken|refreshtoken/i.test(k)));
    expect(msalTokens).toEqual([]);

    await signInAs(page, "admin@contoso.example", "customer");
    const second = (await page.context().cookies()).find((c) => c.name === "__Host-cmk_session");
    expect(second?.value).toBeTruthy();
    expect(second?.value).not.toBe(first?.value);

    // The old session id no longer opens anything.
    const other = await browser.newContext({ baseURL: new URL(page.url()).origin });
    await other.addCookies([{ ...first!, expires: -1 }]);
    const stale = await other.newPage();
    await stale.goto("/onboarding/consent");
    await expect(stale).toHaveURL(/\/signin\?area=customer&returnTo=%2Fonboarding%2Fconsent&reason=expired/);
    await other.close();
  });

  test("a replayed token hand-over is refused: the sign-in nonce is single-use", async ({ page }) => {
    let handOver: { body: string; headers: Record<string, string> } | undefined;
    page.on("request", (request) => {
      if (request.url().endsWith("/api/auth/session") && request.method() === "POST") handOver = { body: request.postData() ?? "", headers: request.headers() };
    });
    await signInAs(page, "admin@contoso.example", "customer");
    expect(handOver).toBeDefined();
    // Even with the nonce cookie the first hand-over had (a stolen token pair plus its cookie), the nonce is used up.
    const { idToken } = JSON.parse(handOver!.body) as { idToken: string };
    const { nonce } = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as { nonce: string };
    const replay = await page.request.post("/api/auth/session", {
      data: handOver!.body,
      headers: { "content-type": "application/json", origin: new URL(page.url()).origin, cookie: `__Host-cmk_signin_nonce=${nonce}` },
    });
    expect(replay.status()).toBe(401);
    expect(JSON.stringify(await replay.json())).toContain("already completed");
  });

  test("an ended staff session signs in again silently and comes back to the page", async ({ page, context }) => {
    await signInAs(page, "operator@skyline.example", "operator");
    const cookie = (await context.cookies()).find((c) => c.name === "__Host-cmk_session");
    // The server no longer knows this session (as after the 10-minute staff re-check).
    await context.addCookies([{ ...cookie!, value: "ended-session" }]);
    await page.goto("/tenants");
    await expect(page).toHaveURL(/\/tenants$/, { timeout: 20_000 });
    await expect(page.getByRole("banner").getByText("Operator area")).toBeVisible();
  });

  test("step-up: \"Sign in again to confirm\" asks Microsoft for a fresh sign-in (prompt=login, max_age) and returns to the page", async ({ page }) => {
    await signInAs(page, "support@skyline.example", "support");
    await page.goto(`/signin?${new URLSearchParams({ area: "support", reason: "step-up", returnTo: "/support" })}`);
    await ready(page);
    await expect(page.getByRole("status")).toContainText("need a fresh sign-in");
    const authorize = page.waitForRequest((request) => request.url().includes("/oauth2/v2.0/authorize"));
    await page.getByRole("button", { name: "Sign in again to confirm" }).click();
    const url = new URL((await authorize).url());
    expect(url.searchParams.get("prompt")).toBe("login");
    expect(url.searchParams.get("max_age")).toBe("600");
    await screenshot(page, "step-up-sign-in");
    await pickAccount(page, "support@skyline.example");
    await expect(page).toHaveURL(/\/support$/, { timeout: 20_000 });
    await expect(page.getByRole("banner").getByText("Support area")).toBeVisible();
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
