import { expect, test, type Browser, type Page } from "@playwright/test";
import pg from "pg";
import { toolingEnv } from "../lib/env";
import { pickAccount, ready, signInAs } from "./support/auth";
import { screenshot } from "./support/screenshots";
import { e2eDatabaseUrl } from "./support/e2e-database";
import { simControl } from "./support/sim";
import { freshWorld } from "./support/world";
import { PERSONAS } from "./azure-sim/seed";

// The customer journeys, in order: they share one database and one simulator.
test.describe.configure({ mode: "serial" });

async function consentAsAdmin(page: Page, upn: string) {
  await signInAs(page, upn, "customer");
  await expect(page).toHaveURL(/\/onboarding\/consent$/);
  // The share link is there from the start, not only after a failed attempt.
  await expect(page.getByLabel("Send this link to an administrator who can grant consent")).toHaveValue(/adminconsent\?client_id=/);
  await ready(page);
  await screenshot(page, "wizard-consent");
  await page.getByRole("button", { name: "Grant admin consent" }).click();
  await pickAccount(page, upn);
  await page.getByRole("button", { name: "Accept" }).click();
  await expect(page).toHaveURL(/\/onboarding\/vault/);
  await ready(page);
}

async function newBrowserPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: test.info().project.use.baseURL });
  return context.newPage();
}

// Every journey file starts from the seeded simulator and an empty database.
test.beforeAll(freshWorld);

test("(b) a vault without purge protection is blocked with an explanation", async ({ page }) => {
  await consentAsAdmin(page, "admin@fabrikam.example");
  const vault = page.getByRole("listitem").filter({ hasText: "fabrikam-kv" });
  await expect(vault.getByText("Not usable")).toBeVisible();
  await expect(vault.getByRole("button", { name: "Use fabrikam-kv" })).toBeDisabled();
  await expect(vault).toContainText("Purge protection is off. Azure refuses disk encryption sets with keys from such vaults.");
  await expect(vault).toContainText("--enable-purge-protection true");
  await screenshot(page, "wizard-vault-no-purge-protection");
});

test("an admin who sees no subscription is told why and what to do", async ({ page }) => {
  await signInAs(page, "admin@fabrikam.example", "customer");
  // Fabrikam's admin (consent already granted above) loses every Azure role: no subscription is visible.
  await simControl("role-assignments/remove", { principalId: PERSONAS.fabrikamAdmin.oid });
  await page.goto("/onboarding/vault");
  await ready(page);
  const alert = page.locator("main").getByRole("alert");
  await expect(alert).toContainText("Your account cannot see any Azure subscription of fabrikam.example.");
  await expect(alert).toContainText("Ask the subscription's owner to give you Reader");
  await expect(page.getByLabel("Subscription")).toHaveCount(0);
  await screenshot(page, "wizard-vault-no-subscriptions");
});

test("(c) a vault in a region the provider does not serve is blocked", async ({ page }) => {
  await consentAsAdmin(page, "admin@northwind.example");
  const vault = page.getByRole("listitem").filter({ hasText: "northwind-kv" });
  await expect(vault.getByRole("button", { name: "Use northwind-kv" })).toBeDisabled();
  await expect(vault).toContainText("The vault is in australiaeast, but your disks run in westeurope, northeurope");
  await screenshot(page, "wizard-vault-wrong-region");
});

test("(g) a new vault and key created from the wizard — keyboard only — and (f) the key disabled before verification", async ({ page }) => {
  await signInAs(page, "admin@northwind.example", "customer");
  await page.goto("/onboarding/vault");
  await ready(page);
  // A bad name is refused with the reason, announced and focused (keyboard users land on it).
  await page.getByLabel("Vault name").fill("x");
  await page.getByLabel("Resource group").selectOption("northwind-keys-rg");
  await page.getByRole("button", { name: "Create vault" }).click();
  await expect(page.locator("main").getByRole("alert")).toBeFocused();
  await expect(page.locator("main").getByRole("alert")).toContainText("Vault names are 3–24 characters");
  // From here on, keyboard only: typing, Tab, Enter and Space.
  await page.getByLabel("Vault name").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("northwind-cmk-we");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/key$/, { timeout: 20_000 });
  await expect(page.getByText("This vault has no keys yet")).toBeVisible();
  await page.getByLabel("Key name").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("northwind-disk-key");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/access$/, { timeout: 20_000 });
  await screenshot(page, "wizard-access-step");

  // (f) The key is disabled in the customer's vault after it was selected: verification diagnoses it.
  await simControl("keys/disable", { vault: "northwind-cmk-we", key: "northwind-disk-key" });
  await page.getByRole("button", { name: "Grant access" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/verify$/);
  await expect(page.locator("main").getByRole("alert")).toContainText("The key is disabled.", { timeout: 20_000 });
  await expect(page.locator("main").getByRole("alert")).toContainText("Enable the key");
  await screenshot(page, "wizard-verify-key-disabled");
  await simControl("keys/enable", { vault: "northwind-cmk-we", key: "northwind-disk-key" });
  await page.getByRole("button", { name: "Verify again" }).focus();
  await page.keyboard.press("Space");
  await expect(page.getByText("Key Vault wrapped and unwrapped a test value with it for the app")).toBeVisible({ timeout: 20_000 });
  await page.getByRole("link", { name: "Continue to review" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Review and submit");
  await page.getByRole("button", { name: "Submit and create my disk encryption set" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/status$/);
});

test("(a) happy path on an RBAC vault, with (h) resuming in another browser, (d) the snippet path and (e) role propagation delay", async ({ page, browser }) => {
  // The longest journey: every wizard step twice (two browsers), a wait through role propagation, and the status home
  // with its links, grants, contact form and reminder — it ran 60 s in a clean-clone CI run, at the default budget.
  test.setTimeout(180_000);
  await consentAsAdmin(page, "admin@contoso.example");
  await screenshot(page, "wizard-vault-list");
  // Keyboard only: focus the vault's button and press Enter.
  await page.getByRole("button", { name: "Use contoso-cmk-kv" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/onboarding\/key$/);
  // Owner has no Key Vault data role on an RBAC vault: the wizard explains it and offers to assign one.
  await expect(page.locator("main").getByRole("alert")).toContainText("even Owner needs a Key Vault data role for keys");
  await screenshot(page, "wizard-key-needs-data-role");
  await page.getByRole("button", { name: "Give me Key Vault Crypto Officer on this vault" }).click();
  const key = page.getByRole("row").filter({ hasText: "disk-key" });
  await expect(key).toContainText("RSA / 3072");
  await expect(key).toContainText("Version to use:");
  // The key table fits a 1280 px wide window: nothing scrolls sideways.
  await page.setViewportSize({ width: 1280, height: 800 });
  const overflow = await page.evaluate(() => [...document.querySelectorAll("main table")].map((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth).concat(document.documentElement.scrollWidth - document.documentElement.clientWidth));
  expect(overflow.every((px) => px <= 0), `horizontal overflow in px: ${overflow.join(", ")}`).toBe(true);
  await screenshot(page, "wizard-key-list");
  await key.getByRole("button", { name: "Use disk-key" }).click();
  await expect(page).toHaveURL(/\/onboarding\/access$/);
  // The commands are there from the start, next to the one-click grant, and safe on Windows Git Bash.
  await expect(page.getByText("MSYS_NO_PATHCONV=1 az role assignment create")).toBeVisible();
  await expect(page.getByText("New-AzRoleAssignment")).toBeVisible();
  await expect(page.getByText("keeps Git Bash on Windows from turning the /subscriptions/… scope into a Windows file path")).toBeVisible();
  await screenshot(page, "wizard-access-up-front");

  // (h) The same admin opens another browser: the wizard resumes at the same step.
  const second = await newBrowserPage(browser);
  await signInAs(second, "admin@contoso.example", "customer");
  await expect(second).toHaveURL(/\/onboarding\/access$/);

  // (d) A colleague without the right to assign roles gets the ready-to-paste commands.
  const colleague = await newBrowserPage(browser);
  await signInAs(colleague, "keyadmin@contoso.example", "customer");
  await expect(colleague).toHaveURL(/\/onboarding\/access$/);
  await colleague.getByRole("button", { name: "Grant access" }).click();
  await expect(colleague.locator("main").getByRole("alert").filter({ hasText: "cannot assign roles" })).toBeVisible();
  await expect(colleague.getByText("--assignee-principal-type ServicePrincipal")).toBeVisible();
  await expect(colleague.getByText("New-AzRoleAssignment")).toBeVisible();
  await screenshot(colleague, "wizard-access-snippets");
  await colleague.getByRole("button", { name: "It's done — check again" }).click();
  await expect(colleague.locator("main").getByRole("alert").filter({ hasText: "does not have access to the key yet" })).toBeVisible();

  // (e) Role assignments now take 6 s to propagate: verification waits and then succeeds.
  await simControl("settings", { propagationDelayMs: 6_000 });
  await page.getByRole("button", { name: "Grant access" }).click();
  await expect(page).toHaveURL(/\/onboarding\/verify$/);
  await expect(page.getByText(/Not yet — attempt \d+\./)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText("role propagation can take a few minutes")).toBeVisible();
  await screenshot(page, "wizard-verify-waiting");
  await expect(page.getByText("Key Vault wrapped and unwrapped a test value with it for the app")).toBeVisible({ timeout: 40_000 });
  await simControl("settings", { propagationDelayMs: 0 });
  // The sidebar follows the verification: Verify done, Review open (no reload needed).
  const steps = page.getByRole("navigation", { name: "Onboarding steps" });
  await expect(steps.getByRole("link", { name: "Verify (done)" })).toBeVisible();
  await expect(steps.getByRole("link", { name: /^Review/ })).toBeVisible();
  await expect(steps).not.toContainText("not yet available");
  await screenshot(page, "wizard-verified");

  await colleague.getByRole("button", { name: "It's done — check again" }).click();
  await expect(colleague).toHaveURL(/\/onboarding\/verify$/);

  await page.getByRole("link", { name: "Continue to review" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Review and submit");
  await expect(page.getByText(/https:\/\/contoso-cmk-kv\.vault\.localhost:\d+\/keys\/disk-key\/[0-9a-f]{32}/)).toBeVisible();
  // One name for the organization throughout (its domain), also after consent learned the display name.
  await expect(page.getByText("Onboarding for contoso.example")).toBeVisible();
  await screenshot(page, "wizard-review");

  // Two admins submit at the same moment: one submission; the other is told who submitted and stays signed in.
  await colleague.goto("/onboarding/review");
  await ready(colleague);
  const submitButton = (p: Page) => p.getByRole("button", { name: "Submit and create my disk encryption set" });
  await Promise.all([submitButton(page).click(), submitButton(colleague).click()]);
  await expect.poll(() => [page, colleague].filter((p) => p.url().endsWith("/status")).length, { timeout: 20_000 }).toBe(1);
  const [winner, loser] = page.url().endsWith("/status") ? [page, colleague] : [colleague, page];
  const winnerName = winner === page ? "Connie Admin" : "Kim Keyadmin";
  await expect(loser.locator("main").getByRole("alert")).toContainText(new RegExp(`Onboarding was already submitted by ${winnerName} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.`));
  await expect(loser).toHaveURL(/\/onboarding\/review$/);
  await screenshot(loser, "wizard-review-already-submitted");
  await loser.getByRole("link", { name: "Go to the status page" }).click();
  await expect(loser.getByRole("heading", { level: 1 })).toHaveText("Your disk encryption set");
  // The review page no longer offers Submit: it shows who submitted and links to the status page.
  await loser.goto("/onboarding/review");
  await expect(loser.getByText(`Submitted by ${winnerName}`)).toBeVisible();
  await expect(submitButton(loser)).toHaveCount(0);
  await screenshot(loser, "wizard-review-submitted");
  // Back from the status page does not return to a Submit form.
  await winner.goBack();
  await expect(submitButton(winner)).toHaveCount(0);
  await page.goto("/status");
  // History names the vault and key, says who did each step, and holds one "Submitted".
  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText("Key vault chosen: contoso-cmk-kv");
  await expect(history).toContainText("Access granted: key disk-key in contoso-cmk-kv");
  await expect(history).toContainText("By Connie Admin");
  await expect(history.getByText("Submitted", { exact: true })).toHaveCount(1);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your disk encryption set");
  await expect(page.getByText(/Queued|Creating|Succeeded/).first()).toBeVisible();
  await screenshot(page, "status-after-submit");
  await expect(page.getByTestId("des-state")).toHaveText("Succeeded", { timeout: 60_000 });
  await screenshot(page, "status-succeeded");

  // The status page is a home: links into the customer's Azure portal and audit log, what happens next, the expiry.
  const contoso = "aaaaaaaa-0000-4000-8000-00000000000a";
  const vaultId = "/subscriptions/aaaaaaaa-5555-4555-8555-00000000000a/resourceGroups/contoso-keys-rg/providers/Microsoft.KeyVault/vaults/contoso-cmk-kv";
  const portal = page.getByRole("navigation", { name: "Your resources in the Azure portal" });
  await expect(portal.getByRole("link", { name: "Key vault" })).toHaveAttribute("href", `https://portal.azure.com/#@${contoso}/resource${vaultId}`);
  await expect(portal.getByRole("link", { name: "Key", exact: true })).toHaveAttribute("href", `https://portal.azure.com/#@${contoso}/resource${vaultId}/keys/disk-key`);
  await expect(portal.getByRole("link", { name: "Role assignment on the key (Access control)" })).toHaveAttribute("href", `https://portal.azure.com/#@${contoso}/resource${vaultId}/keys/disk-key/users`);
  await expect(portal.getByRole("link", { name: "Enterprise app of the provider" })).toHaveAttribute(
    "href",
    /^https:\/\/portal\.azure\.com\/#view\/Microsoft_AAD_IAM\/ManagedAppMenuBlade\/~\/Overview\/objectId\/[0-9a-f-]{36}\/appId\/33333333-3333-4333-8333-333333333333$/,
  );
  await expect(portal.getByRole("link", { name: "Your audit log" })).toHaveAttribute("href", "/audit");
  await expect(page.getByText("Azure moves the disk encryption set and its disks to it, per Microsoft within one hour")).toBeVisible();
  await expect(page.getByText(/the disks that use it become inaccessible/)).toBeVisible();
  await expect(page.getByTestId("key-expiry")).toHaveText("The key does not expire.");
  // The key now expires in 10 days: the 14-day reminder shows as a banner, with the key step's advice.
  const client = new pg.Client({ connectionString: e2eDatabaseUrl(toolingEnv().E2E_APP_PORT) });
  await client.connect();
  try {
    await client.query(`UPDATE "KeyReference" SET "expiresAt" = now() + interval '10 days' WHERE "keyUrl" LIKE 'https://contoso-cmk-kv.%'`);
  } finally {
    await client.end();
  }
  await page.reload();
  const expiry = page.getByTestId("key-expiry");
  await expect(expiry).toContainText("Reminder: your key expires within 14 days");
  await expect(expiry).toContainText(/The key expires on \d{4}-\d\d-\d\d, in 10 days\. Extend the expiry date/);
  await screenshot(page, "status-home-expiry-reminder");
});
