import { expect, test } from "@playwright/test";
import { signInAs } from "./support/auth";
import { freshWorld } from "./support/world";

// The run's processes are the production artifacts (scripts/launch.ts e2e: the standalone server.js, the bundled
// worker and migrate, no client secret). Their probes and the worker's heartbeat, as an operator sees it.
test.beforeAll(freshWorld);

test("the standalone server answers its probes: live without the database, ready with the schema current", async ({ request }) => {
  const live = await request.get("/api/health/live");
  expect(live.status()).toBe(200);
  expect(await live.json()).toEqual({ status: "live" });

  const ready = await request.get("/api/health/ready");
  expect(ready.status()).toBe(200);
  const body = (await ready.json()) as { status: string; migrations: number; worker: { running: boolean } };
  expect(body.status).toBe("ready");
  expect(body.migrations).toBeGreaterThan(0);
  expect(body.worker.running).toBe(true);
});

test("the operator dashboard shows when the bundled worker was last seen", async ({ page }) => {
  await signInAs(page, "operator@skyline.example", "operator");
  await page.goto("/tenants");
  await expect(page.getByRole("status", { name: "Job worker" })).toHaveText(/^Worker last seen \d+ s ago/);
});
