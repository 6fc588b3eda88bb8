import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { seedDemoData } from "../lib/dashboard/demo-seed";
import { toolingEnv } from "../lib/env";
import { signInAs } from "./support/auth";
import { e2eDatabaseUrl } from "./support/e2e-database";
import { screenshot } from "./support/screenshots";
import { freshWorld } from "./support/world";

// Demo tenants with a fixed seed; the facts the journeys need are read back from the database.
const SEED = { tenants: 300, seed: 8080, namePrefix: "E2E " };
type Facts = { failedTenant: { id: string; name: string }; keyUrl: string; keyTenantName: string };
let facts: Facts;

async function queryOne<T>(client: pg.Client, sql: string): Promise<T> {
  const result = await client.query(sql);
  if (!result.rows[0]) throw new Error(`no row for: ${sql}`);
  return result.rows[0] as T;
}

// Every journey file starts from the seeded simulator and an empty database.
test.beforeAll(freshWorld);

test.beforeAll(async () => {
  const url = e2eDatabaseUrl(toolingEnv().E2E_APP_PORT);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Once per run (a worker restarted after a failure runs beforeAll again).
    const seeded = await client.query(`SELECT 1 FROM "CustomerTenant" WHERE "displayName" LIKE 'E2E %' LIMIT 1`);
    if (seeded.rowCount === 0) await seedDemoData(url, SEED);
    const failed = await queryOne<{ id: string; name: string }>(
      client,
      `SELECT t.id, t."displayName" AS name FROM "CustomerTenant" t JOIN "DiskEncryptionSet" d ON d."customerTenantId" = t.id
       WHERE d."provisioningState" = 'FAILED' AND t."displayName" LIKE 'E2E %' ORDER BY t."displayName" LIMIT 1`,
    );
    const key = await queryOne<{ keyUrl: string; name: string }>(
      client,
      `SELECT k."keyUrl", t."displayName" AS name FROM "KeyReference" k JOIN "CustomerTenant" t ON t.id = k."customerTenantId"
       WHERE t."displayName" LIKE 'E2E %' ORDER BY k."keyUrl" LIMIT 1`,
    );
    facts = { failedTenant: failed, keyUrl: key.keyUrl, keyTenantName: key.name };
  } finally {
    await client.end();
  }
});

async function openDashboard(page: Page, search = "") {
  await signInAs(page, "operator@skyline.example", "operator", `/tenants${search}`);
  await expect(page).toHaveURL(/\/tenants/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Customer tenants");
}

test("an operator sees the overview with counts, funnel and health charts", async ({ page }) => {
  await openDashboard(page);
  const health = page.getByRole("region", { name: "Health", exact: true });
  await expect(health.getByRole("link", { name: /Healthy/ })).toBeVisible();
  await expect(page.getByRole("region", { name: "Onboarding funnel" }).getByRole("rowheader", { name: "Access" })).toBeVisible();
  // Charts load lazily after the page.
  const weekChart = page.getByRole("region", { name: "Health changes, last 7 days (UTC)" });
  await expect(weekChart.getByRole("application")).toBeVisible();
  await expect(weekChart.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByRole("table").filter({ hasText: "DES state" })).toBeVisible();
  // The audit log's integrity is shown too (the check runs in the background; a reload shows its result).
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(/Audit log hash chain intact: \d+ events verified/)).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 20_000 });
  await screenshot(page, "operator-dashboard-overview");
});

test("refreshing keeps the scroll position and the selected rows", async ({ page }) => {
  await openDashboard(page);
  const firstRow = page.getByRole("checkbox", { name: /^Select / }).nth(3);
  await firstRow.check();
  await page.mouse.wheel(0, 1500);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(500);
  // What the operator sees stays put: the row under their eyes keeps its place on screen. (Panels above may grow or
  // shrink with fresh data, e.g. the fleet's queue list; the browser's scroll anchoring then moves scrollY with them.)
  const rowTop = () => firstRow.evaluate((box) => Math.round((box.closest("tr") ?? box).getBoundingClientRect().top));
  const before = await rowTop();
  // Clicked from script: a pointer click would scroll the (top-of-page) button into view first.
  await page.getByRole("button", { name: "Refresh now" }).evaluate((button: HTMLButtonElement) => button.click());
  await expect(page.getByText(/^Updated /)).toBeVisible();
  expect(Math.abs((await rowTop()) - before)).toBeLessThanOrEqual(2);
  await expect(firstRow).toBeChecked();
  await expect(page.getByText("1 selected")).toBeVisible();
});

test("an operator filters by health, and the URL keeps the view", async ({ page }) => {
  await openDashboard(page);
  await page.getByRole("button", { name: /^Health/ }).click();
  await page.getByRole("checkbox", { name: "Provisioning failed" }).check();
  await expect(page).toHaveURL(/health=FAILED/);
  const list = page.getByRole("table").filter({ hasText: "DES state" });
  await expect(list.getByRole("link", { name: facts.failedTenant.name })).toBeVisible();
  const badges = list.locator("tbody tr td:nth-child(5) span.status-badge");
  expect(await badges.count()).toBeGreaterThan(0);
  for (const text of await badges.allTextContents()) expect(text).toBe("Provisioning failed");
  await screenshot(page, "operator-dashboard-filter-failed");

  // A shared link opens the same view.
  const shared = page.url();
  await page.goto("/tenants");
  await page.goto(shared);
  await page.getByRole("button", { name: /^Health/ }).click();
  await expect(page.getByRole("checkbox", { name: "Provisioning failed" })).toBeChecked();
  await expect(page.getByRole("table").filter({ hasText: "DES state" }).getByRole("link", { name: facts.failedTenant.name })).toBeVisible();
});

test("a filter menu closes on Escape and on a click outside, and gives focus back to its button", async ({ page }) => {
  await openDashboard(page);
  const trigger = page.getByRole("button", { name: /^Onboarding step/ });
  const choice = page.getByRole("checkbox", { name: "Consent", exact: true });
  await trigger.click();
  await expect(trigger).toHaveAttribute("aria-expanded", "true");
  await expect(choice).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("group", { name: "Onboarding step" })).toHaveCount(0);
  await expect(trigger).toHaveAttribute("aria-expanded", "false");
  await expect(trigger).toBeFocused();

  await trigger.press("Enter");
  await expect(page.getByRole("group", { name: "Onboarding step" })).toBeVisible();
  await page.getByRole("heading", { level: 1 }).click();
  await expect(page.getByRole("group", { name: "Onboarding step" })).toHaveCount(0);
  await expect(choice).toHaveCount(0);
});

test("an operator finds a tenant by its key URL", async ({ page }) => {
  await openDashboard(page);
  await page.getByRole("searchbox", { name: "Search" }).fill(facts.keyUrl);
  await expect(page).toHaveURL(/q=https/);
  const list = page.getByRole("table").filter({ hasText: "DES state" });
  await expect(list.locator("tbody tr")).toHaveCount(1);
  await expect(list.getByRole("link", { name: facts.keyTenantName })).toBeVisible();
  // The search box kept its text (and focus) while the list updated.
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue(facts.keyUrl);
  await screenshot(page, "operator-dashboard-search-key-url");
});

test("an operator opens a tenant and retries its failed provisioning", async ({ page }) => {
  await openDashboard(page, "?health=FAILED");
  await page.getByRole("link", { name: facts.failedTenant.name }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${facts.failedTenant.id}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(facts.failedTenant.name);
  await expect(page.getByRole("link", { name: "Open in Azure portal ↗" }).first()).toHaveAttribute("href", /^https:\/\/portal\.azure\.com\/#resource\/subscriptions\//);
  const timeline = page.getByRole("region", { name: "Timeline" });
  await expect(timeline.getByText("PROVISION_DES").first()).toBeVisible();
  await expect(timeline.getByText(/^Attempt 1:/).first()).toBeVisible();
  await screenshot(page, "operator-tenant-detail");

  await page.getByRole("button", { name: "Retry failed provisioning" }).click();
  await expect(page.getByText("Provisioning retry queued")).toBeVisible();
  await screenshot(page, "operator-tenant-retry-queued");
});

test("the CSV export holds exactly the filtered tenants", async ({ page }) => {
  // The live worker keeps checking the seeded tenants' health, so a tenant may change state between the page
  // and the download: compare a page and a CSV taken with nothing changing in between.
  await expect(async () => {
    await openDashboard(page, "?health=KEY_UNREACHABLE&sort=name");
    const summary = await page.getByRole("navigation", { name: "Pages" }).locator("span").first().textContent();
    const total = Number(/of ([\d,]+) tenants/.exec(summary ?? "")?.[1]?.replace(/,/g, ""));
    expect(total).toBeGreaterThan(0);
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toContain("health=KEY_UNREACHABLE");
    const response = await page.request.get(href!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("text/csv");
    const lines = (await response.text()).trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/^Tenant name,Tenant id,/);
    for (const line of lines.slice(1)) expect(line).toContain(",Key unreachable,");
    expect(lines).toHaveLength(total + 1);
    const firstOnScreen = await page.getByRole("table").filter({ hasText: "DES state" }).locator("tbody tr").first().getByRole("link").textContent();
    expect(lines[1]?.startsWith(`${firstOnScreen}`) || lines[1]?.startsWith(`"${firstOnScreen}`)).toBe(true);
  }).toPass({ timeout: 45_000 });
});

test("support staff and customer administrators are refused", async ({ page, browser }) => {
  await signInAs(page, "support@skyline.example", "support");
  await page.goto("/tenants");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("You need a role for this area");
  await expect(page.getByRole("alert").filter({ hasText: "role Operator" })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
  expect((await page.request.get("/api/operator/tenants.csv")).status()).toBe(403);
  await screenshot(page, "operator-dashboard-refused-support");

  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  try {
    await signInAs(customer, "admin@contoso.example", "customer");
    await customer.goto("/tenants");
    await expect(customer.getByRole("heading", { level: 1 })).toHaveText("This account cannot use this area");
    await expect(customer.getByRole("table")).toHaveCount(0);
    expect((await customer.request.get("/api/operator/tenants.csv")).status()).toBe(403);
    await customer.goto(`/tenants/${facts.failedTenant.id}`);
    await expect(customer.getByRole("heading", { level: 1 })).toHaveText("This account cannot use this area");
    await screenshot(customer, "operator-dashboard-refused-customer");
  } finally {
    await customerContext.close();
  }
});

test("the CSV export refuses anyone who is not signed in", async ({ request }) => {
  expect((await request.get("/api/operator/tenants.csv")).status()).toBe(401);
});

test.describe("with the system set to dark", () => {
  test.use({ colorScheme: "dark" });

  /** Lightness 0–1 of a computed CSS colour (Chromium reports Tailwind's colours as lab() or oklch(), others as rgb()). */
  const lightness = (css: string) => {
    const lab = /^lab\(([\d.]+)/.exec(css);
    if (lab) return Number(lab[1]) / 100;
    const oklch = /^oklch\(([\d.]+)(%?)/.exec(css);
    if (oklch) return Number(oklch[1]) / (oklch[2] ? 100 : 1);
    const channels = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    return channels.reduce((sum, c) => sum + c, 0) / 3 / 255;
  };

  test("the dashboard and a tenant's page turn dark, and stay accessible", async ({ page }) => {
    await openDashboard(page, "?health=FAILED");
    const colours = () => page.evaluate(() => ({ body: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color, card: getComputedStyle(document.querySelector("table")!.closest("div")!).backgroundColor }));
    const dark = await colours();
    expect(lightness(dark.body)).toBeLessThan(0.3);
    expect(lightness(dark.card)).toBeLessThan(0.3);
    expect(lightness(dark.text)).toBeGreaterThan(0.8);
    await page.getByRole("button", { name: /^Health/ }).click();
    await expect(page.getByRole("checkbox", { name: "Provisioning failed" })).toBeChecked();
    await screenshot(page, "operator-dashboard-dark");
    await page.keyboard.press("Escape");

    await page.getByRole("link", { name: facts.failedTenant.name }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(facts.failedTenant.name);
    await screenshot(page, "operator-tenant-detail-dark");

    await page.emulateMedia({ colorScheme: "light" });
    expect(lightness(await page.evaluate(() => getComputedStyle(document.body).backgroundColor))).toBeGreaterThan(0.9);
  });
});
