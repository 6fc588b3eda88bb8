import { expect, test } from "@playwright/test";
import { ready, signInAs } from "./support/auth";
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

test("a sane x-request-id from the platform is kept; anything else is replaced", async ({ request }) => {
  const kept = await request.get("/", { headers: { "x-request-id": "afd0ref0-1111-4222-8333-444455556666" } });
  expect(kept.headers()["x-request-id"]).toBe("afd0ref0-1111-4222-8333-444455556666");
  const replaced = await request.get("/", { headers: { "x-request-id": "bad id\" level=error" } });
  expect(replaced.headers()["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  const fresh = await Promise.all([request.get("/"), request.get("/")]);
  expect(fresh[0].headers()["x-request-id"]).not.toBe(fresh[1].headers()["x-request-id"]);
});
