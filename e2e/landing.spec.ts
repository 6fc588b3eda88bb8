import { expect, test } from "@playwright/test";
import { screenshot } from "./support/screenshots";

test("the landing page explains the product and leads each audience to its area's sign-in", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("encrypted with a key only you control");
  await screenshot(page, "landing");

  const areas = [
    { link: "Start onboarding", area: "customer", returnTo: "/onboarding", heading: "Sign in to connect your key", name: "signin-customer" },
    { link: "Open dashboard", area: "operator", returnTo: "/tenants", heading: "Sign in to the operator dashboard", name: "signin-operator" },
    { link: "Open console", area: "support", returnTo: "/support", heading: "Sign in to the support console", name: "signin-support" },
  ];
  for (const area of areas) {
    await page.goto("/");
    await page.getByRole("link", { name: area.link }).click();
    await expect(page).toHaveURL(`/signin?area=${area.area}&returnTo=${encodeURIComponent(area.returnTo)}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(area.heading);
    await expect(page.getByRole("button", { name: "Sign in with Microsoft" })).toBeVisible();
    await screenshot(page, area.name);
  }
});

test("the health endpoint reports the database", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
});

test("an address the portal does not have answers 404 and shows the three ways in", async ({ page }) => {
  const response = await page.goto("/no-such-page/at-all");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This page does not exist");
  for (const name of ["Customer admins: your key and onboarding", "Provider operators: the dashboard", "Support staff: the support console"]) {
    await expect(page.getByRole("link", { name })).toBeVisible();
  }
  await screenshot(page, "not-found");
});

test("the first Tab reaches a skip link that moves focus to the page's main content", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});
