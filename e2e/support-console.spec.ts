import { createHash, randomBytes } from "node:crypto";
import { expect, request, test, type APIRequestContext, type Page } from "@playwright/test";
import { PERSONAS, SIM } from "./azure-sim/seed";
import { signInAs, signOut } from "./support/auth";
import { screenshot } from "./support/screenshots";
import { SIM_URL, simControl } from "./support/sim";
import { encryptDisksWithDes, onboardContoso, simState as providerSimState } from "./support/provider";
import { freshWorld } from "./support/world";

// Support journeys on one onboarded customer (Contoso): they share one database, one simulator and the worker.
test.describe.configure({ mode: "serial" });
test.setTimeout(180_000);

const contoso = SIM.customers.contoso;
const VAULT = "https://vault.azure.net/.default";
let api: APIRequestContext;
let tenantPath = "";

/** A token as the persona (auth code + PKCE through the simulator's sign-in form, then on-behalf-of for `scope`). */
async function userToken(persona: keyof typeof PERSONAS, scope: string): Promise<string> {
  const user = PERSONAS[persona];
  const verifier = randomBytes(32).toString("base64url");
  const redirectUri = "http://localhost:3000/redirect";
  const authorize = `${SIM_URL}/${user.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: SIM.portalClientId, response_type: "code", redirect_uri: redirectUri, scope: `openid ${SIM.portalApiScope}`, state: "s", nonce: "n", code_challenge: createHash("sha256").update(verifier).digest("base64url"), code_challenge_method: "S256", response_mode: "query" })}`;
  const form = await (await api.get(authorize)).text();
  const simRequest = /name="sim_request" value="([^"]+)"/.exec(form)?.[1] ?? "";
  const picked = await api.post(authorize, { form: { sim_request: simRequest, sim_user: user.oid }, maxRedirects: 0 });
  const code = new URL(picked.headers().location ?? "").searchParams.get("code") ?? "";
  const tokenUrl = `${SIM_URL}/${user.tenantId}/oauth2/v2.0/token`;
  const apiToken = (await (await api.post(tokenUrl, { form: { grant_type: "authorization_code", client_id: SIM.portalClientId, code, redirect_uri: redirectUri, code_verifier: verifier, scope: SIM.portalApiScope } })).json()) as { access_token: string };
  const obo = await api.post(tokenUrl, { form: { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", client_id: SIM.portalClientId, client_secret: SIM.portalClientSecret, assertion: apiToken.access_token, requested_token_use: "on_behalf_of", scope } });
  return ((await obo.json()) as { access_token: string }).access_token;
}

const simState = () => providerSimState(api);
const powerOf = async (vm: string) => (await simState()).virtualMachines.find((v) => v.name === vm)?.powerState;

async function newKeyVersion(): Promise<string> {
  const token = await userToken("contosoKeyAdmin", VAULT);
  const response = await api.post(`${SIM_URL}/kv/${contoso.vaultName}/keys/${contoso.keyName}/create?api-version=7.5`, { headers: { authorization: `Bearer ${token}` }, data: { kty: "RSA", key_size: 3072 } });
  expect(response.ok(), await response.text()).toBe(true);
  return ((await response.json()) as { key: { kid: string } }).key.kid;
}

async function openCustomer(page: Page, upn: string) {
  await signInAs(page, upn, "support", tenantPath || "/support");
  if (!tenantPath) {
    await page.getByRole("link", { name: contoso.displayName }).click();
    await page.waitForURL(/\/support\/tenants\/[^/]+$/);
    tenantPath = new URL(page.url()).pathname;
  }
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(contoso.displayName);
}

// Every journey file starts from the seeded simulator and an empty database.
test.beforeAll(freshWorld);

test.beforeAll(async () => {
  api = await request.newContext({ ignoreHTTPSErrors: true });
});

test.afterAll(async () => {
  await api.dispose();
});

test("set-up: Contoso onboards, its DES is provisioned, the provider encrypts a VM with it", async ({ page }) => {
  // Rotation stays in support's hands for these journeys (Azure would otherwise follow new versions itself).
  await onboardContoso(page, { followNewVersions: false });
  await encryptDisksWithDes(api, contoso.keyName, ["vm-app-1-osdisk"]);
});

test("rotate to the newest key version and watch the progress finish", async ({ page }) => {
  await simControl("settings", { lroDurationMs: 4000 });
  const newest = await newKeyVersion();
  await openCustomer(page, PERSONAS.support.upn);
  await expect(page.getByRole("cell", { name: newest.split("/").pop() })).toBeVisible();
  await screenshot(page, "support-tenant-key-versions");
  await page.getByRole("button", { name: "Move to the newest key version" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: "Rotation queued" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Rotation:" })).toContainText(/Queued|Switching|re-wrapping/, { timeout: 20_000 });
  await screenshot(page, "support-rotation-in-progress");
  await expect(page.getByText("The old version is no longer in use: it is safe for the customer to disable it.")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(newest).first()).toBeVisible();
  await screenshot(page, "support-rotation-done");
  await simControl("settings", { lroDurationMs: 300 });
});

test("a new key URL that fails validation is refused with the reasons", async ({ page }) => {
  await openCustomer(page, PERSONAS.support.upn);
  const field = page.getByLabel("New key URL supplied by the customer");
  await field.fill(`https://${contoso.vaultName}.vault.azure.net/keys/${contoso.keyName}`);
  await page.getByRole("button", { name: "Validate and switch to this key" }).click();
  const refusal = page.getByRole("alert").filter({ hasText: "This key cannot be used" });
  // The portal runs against the simulator, whose vaults are the only Key Vault hosts it accepts: an Azure
  // address is refused for its host, before anything is sent to it.
  await expect(refusal).toContainText("contoso-cmk-kv.vault.azure.net is not a Key Vault address");
  await screenshot(page, "support-rotation-key-url-refused");
});

test("revoke: requested by one person, self-approval refused, approved by another, VMs deallocated", async ({ page, browser }) => {
  await openCustomer(page, PERSONAS.approver.upn);
  await expect(page.getByText("vm-app-1 — now running")).toBeVisible();
  await page.getByLabel(/Reason for the revocation/).fill("Customer reports a compromised admin account; cut off now");
  await page.getByRole("button", { name: "Request revocation" }).click();
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: "Revocation requested: a second person must approve it" })).toBeVisible();
  await expect(page.getByText(/Revocation requested by approver@skyline.example/)).toBeVisible();
  await expect(page.getByText("You requested this revocation, so a different approver must decide it.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve and revoke now" })).toHaveCount(0);
  await screenshot(page, "support-revoke-pending-self");
  await page.getByRole("button", { name: "Cancel the request" }).click();
  await expect(page.getByRole("button", { name: "Request revocation" })).toBeVisible();
  await signOut(page);

  await openCustomer(page, PERSONAS.support.upn);
  await screenshot(page, "support-revoke-impact");
  await page.getByLabel(/Reason for the revocation/).fill("Customer reports a compromised admin account; cut off now");
  await page.getByRole("button", { name: "Request revocation" }).click();
  await expect(page.getByText("Waiting for a second person with the SupportApprover role to approve.")).toBeVisible();
  await signOut(page);

  const approverContext = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: test.info().project.use.baseURL });
  const approverPage = await approverContext.newPage();
  await openCustomer(approverPage, PERSONAS.approver.upn);
  await approverPage.getByLabel(/Note/).fill("Confirmed with the customer by phone");
  // A destructive step asks first: Cancel has focus, so Enter or Escape never revokes by accident.
  await approverPage.getByRole("button", { name: "Approve and revoke now" }).click();
  const confirmRevoke = approverPage.getByRole("alertdialog", { name: "Revoke the provider's access to this customer's key?" });
  await expect(confirmRevoke).toContainText("Virtual machines whose disks use this key are stopped");
  await expect(confirmRevoke.getByRole("button", { name: "Cancel" })).toBeFocused();
  await screenshot(approverPage, "support-revoke-confirm-dialog");
  await approverPage.keyboard.press("Enter");
  await expect(confirmRevoke).toHaveCount(0);
  await expect(approverPage.getByRole("button", { name: "Approve and revoke now" })).toBeFocused();
  await expect(approverPage.getByText(/Revoked since/)).toHaveCount(0);
  await approverPage.getByRole("button", { name: "Approve and revoke now" }).click();
  await confirmRevoke.getByRole("button", { name: "Revoke access" }).click();
  await expect(approverPage.getByText(/Revoked since/)).toBeVisible({ timeout: 60_000 });
  expect(await powerOf("vm-app-1")).toBe("deallocated");
  await expect(approverPage.getByText("Stopped VMs: vm-app-1")).toBeVisible();
  await screenshot(approverPage, "support-revoked");
  await approverContext.close();
});

test("restore after revoke needs a second person: requested by support, seen by the customer, approved by an approver; probe, restart, Healthy", async ({ page, browser }) => {
  await openCustomer(page, PERSONAS.support2.upn);
  await page.getByLabel(/Why access may be restored/).fill("Customer confirmed the account is secured again");
  await page.getByRole("button", { name: "Request restore" }).click();
  await expect(page.getByText(/Restore requested by support2@skyline.example/)).toBeVisible();
  // support2 has no approver role: the restore waits, nothing is started.
  await expect(page.getByRole("button", { name: "Approve and restore now" })).toHaveCount(0);
  expect(await powerOf("vm-app-1")).toBe("deallocated");
  await screenshot(page, "support-restore-pending");
  await signOut(page);

  // The customer's admin sees the request on their status page and could confirm it there.
  await signInAs(page, PERSONAS.contosoAdmin.upn, "customer", "/status");
  const pending = page.getByRole("status", { name: "Restore waiting for confirmation" });
  await expect(pending).toContainText("Provider support asks to restore access to your key");
  await expect(pending.getByRole("button", { name: "Confirm: restore access to my key" })).toBeVisible();
  await screenshot(page, "customer-restore-confirmation");
  await signOut(page);

  const approverContext = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: test.info().project.use.baseURL });
  const approverPage = await approverContext.newPage();
  await openCustomer(approverPage, PERSONAS.approver.upn);
  await approverPage.getByRole("button", { name: "Approve and restore now" }).click();
  await expect(approverPage.getByText("Key usable (wrap/unwrap probe passed)")).toBeVisible();
  await expect(approverPage.getByText("Healthy", { exact: true })).toBeVisible({ timeout: 60_000 });
  expect(await powerOf("vm-app-1")).toBe("running");
  await screenshot(approverPage, "support-restored");
  await approverContext.close();
});

test("the customer disables the key: the console shows Revoked by customer, and restore works once it is enabled", async ({ page }) => {
  const newest = (await simState()).diskEncryptionSets.find((d) => d.keyUrl.includes(`/keys/${contoso.keyName}/`))!.keyUrl;
  await simControl("keys/disable", { vault: contoso.vaultName, key: contoso.keyName, version: newest.split("/").pop() });
  await openCustomer(page, PERSONAS.support.upn);
  await expect(page.getByText("Revoked by customer").first()).toBeVisible();
  await expect(page.getByText("The customer disabled the key version the disks use.").first()).toBeVisible();
  await screenshot(page, "support-revoked-by-customer");
  await simControl("keys/enable", { vault: contoso.vaultName, key: contoso.keyName, version: newest.split("/").pop() });
  await page.reload();
  await expect(page.getByText("Key usable (wrap/unwrap probe passed)")).toBeVisible();
});

test("audit log: the audit reader filters and exports it, an operator may not read it, the customer sees only their own tenant", async ({ page }) => {
  await signInAs(page, PERSONAS.operator.upn, "support", "/support/audit");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("You need a role for this area");
  await expect(page.getByRole("alert").filter({ hasText: "You are signed in as" })).toContainText("AuditReader or Support or SupportApprover");
  const refusedExport = await page.request.get("/api/support/audit/export");
  expect(refusedExport.status()).toBe(403);
  await signOut(page);

  await signInAs(page, PERSONAS.auditor.upn, "support", "/support/audit");
  // Verified in the background; a reload shows the result.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(/Audit log hash chain intact: \d+ events verified/)).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 20_000 });
  await page.getByLabel("Action starts with").fill("support.revoke");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("cell", { name: "support.revoke.execute" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "support.revoke.approve" }).first()).toBeVisible();
  await screenshot(page, "support-audit-filtered");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = await (await download).path();
  expect(csv).toBeTruthy();
  await signOut(page);

  await signInAs(page, PERSONAS.contosoAdmin.upn, "customer", "/audit");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Audit log");
  await expect(page.getByRole("cell", { name: "support.revoke.execute" }).first()).toBeVisible();
  await expect(page.getByText("Provider support (Support)").first()).toBeVisible();
  await expect(page.getByText("support@skyline.example")).toHaveCount(0);
  await screenshot(page, "customer-audit-log");
});
