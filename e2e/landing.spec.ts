import { expect, test } from "@playwright/test";
import { screenshot } from "./support/screenshots";

test("the landing page explains the product and leads each audience to its area", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("encrypted with a key only you control");
  await screenshot(page, "landing");

  const areas = [
    { link: "Start onboarding", url: /\/onboarding$/, heading: "Connect your key", name: "customer-onboarding" },
    { link: "Open dashboard", url: /\/tenants$/, heading: "Customer tenants", name: "operator-dashboard" },
    { link: "Open console", url: /\/support$/, heading: "Support console", name: "support-console" },
  ];
  for (const area of areas) {
    await page.goto("/");
    await page.getByRole("link", { name: area.link }).click();
    await expect(page).toHaveURL(area.url);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(area.heading);
    await screenshot(page, area.name);
  }
});

test("the health endpoint reports the database", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
});
