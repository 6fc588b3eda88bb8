import { expect, test } from "@playwright/test";
import pg from "pg";
import { toolingEnv } from "../lib/env";
import { signInAs } from "./support/auth";
import { e2eDatabaseUrl } from "./support/e2e-database";
import { screenshot } from "./support/screenshots";
import { freshWorld } from "./support/world";

test.beforeAll(freshWorld);

test("the operator dashboard's fleet panel shows the running worker's heartbeat and the queue", async ({ page }) => {
  test.setTimeout(180_000); // a sign-in and the dashboard's streamed sections on a shared, busy machine
  // A health check queued to run in an hour: waiting in the queue, and no worker may take it yet.
  const client = new pg.Client({ connectionString: e2eDatabaseUrl(toolingEnv().E2E_APP_PORT) });
  await client.connect();
  try {
    await client.query(`INSERT INTO "Job" (id, kind, "idempotencyKey", payload, "runAfter", "updatedAt")
      VALUES (gen_random_uuid(), 'HEALTH_CHECK', 'e2e-fleet-panel-' || gen_random_uuid(), '{}', (now() AT TIME ZONE 'UTC') + interval '1 hour', now() AT TIME ZONE 'UTC')`);
  } finally {
    await client.end();
  }
  await signInAs(page, "operator@skyline.example", "operator", "/tenants");
  const fleet = page.getByRole("region", { name: "Fleet" });
  await expect(fleet.getByRole("definition").filter({ hasText: /^1 running$/ })).toBeVisible();
  await expect(fleet.getByText("Queue depth")).toBeVisible();
  await expect(fleet.getByText(/^\d+ queued$/)).toBeVisible();
  // The queued check is listed under its queue as waiting for later. The health sweep may have queued checks
  // of its own (due now or spread over the cycle), so only the shape is fixed, not the counts.
  await expect(fleet.getByRole("list", { name: "Queues with work waiting" }).getByRole("listitem").filter({ hasText: /^HEALTH_CHECK \d+/ })).toContainText(/\(\+[1-9]\d* later\)$/);
  const workers = fleet.getByRole("table", { name: "Workers and their last heartbeat" });
  await expect(workers.getByRole("row")).toHaveCount(2);
  const worker = workers.getByRole("row").nth(1);
  await expect(worker.getByRole("cell").first()).toContainText(/^worker-\d+-[0-9a-f]{8} \(running\)$/);
  await expect(worker.locator("time")).toHaveCount(2);
  await fleet.scrollIntoViewIfNeeded();
  await screenshot(page, "operator-dashboard-fleet");
});
