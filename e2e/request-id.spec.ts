import { expect, test } from "@playwright/test";
import { pickAccount, ready, signInAs } from "./support/auth";
import { freshWorld } from "./support/world";

// A failed action shows a short reference the person can quote; it is the start of the request id the portal
// returned in x-request-id (and logged with the failure), so support can find it.
test.describe.configure({ mode: "serial" });
test.beforeAll(freshWorld);

test("a failed action shows 'Reference:', the prefix of the action request's x-request-id", async ({ page }) => {
  await signInAs(page, "admin@fabrikam.example", "customer");
  await expect(page).toHaveURL(/\/onboarding\/consent$/);
  await ready(page);
  // Nobody has consented yet: checking again fails.
  const actionResponse = page.waitForResponse((response) => response.request().method() === "POST" && Boolean(response.request().headers()["next-action"]));
  await page.getByRole("button", { name: "Check again" }).click();
  const requestId = (await actionResponse).headers()["x-request-id"] ?? "";
  expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const alert = page.getByRole("alert").filter({ hasText: "Reference:" });
  await expect(alert).toContainText(`Reference: ${requestId.slice(0, 8)}`);
});

test("a refused sign-in shows the reference of the sign-in request (route handler JSON error)", async ({ page }) => {
  await page.goto("/signin?area=customer");
  await ready(page);
  const sessionResponse = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/api/auth/session", { timeout: 30_000 });
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await pickAccount(page, "user@contoso.example");
  const accept = page.getByRole("button", { name: "Accept" });
  const refusedHeading = page.getByRole("heading", { name: "You are not signed in" });
  await expect(refusedHeading.or(accept)).toBeVisible({ timeout: 20_000 });
  if (await accept.isVisible()) await accept.click();
  const response = await sessionResponse;
  expect(response.status()).toBe(403);
  const requestId = response.headers()["x-request-id"] ?? "";
  expect(((await response.json()) as { error: { reference: string } }).error.reference).toBe(requestId.slice(0, 8));
  await expect(page.getByRole("alert").filter({ has: refusedHeading })).toContainText(`Reference: ${requestId.slice(0, 8)}`);
});

test("a sane x-request-id from the platform is kept; anything else is replaced", async ({ request }) => {
  const kept = await request.get("/", { headers: { "x-request-id": "afd0ref0-1111-4222-8333-444455556666" } });
  expect(kept.headers()["x-request-id"]).toBe("afd0ref0-1111-4222-8333-444455556666");
  const replaced = await request.get("/", { headers: { "x-request-id": "bad id\" level=error" } });
  expect(replaced.headers()["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  const fresh = await Promise.all([request.get("/"), request.get("/")]);
  expect(fresh[0].headers()["x-request-id"]).not.toBe(fresh[1].headers()["x-request-id"]);
});
