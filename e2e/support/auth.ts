import { expect, type Page } from "@playwright/test";

export type AreaName = "customer" | "operator" | "support";

/** Waits until the page is interactive (React hydrated), so clicks reach their handlers. */
export async function ready(page: Page): Promise<void> {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 20_000 });
}

/** Picks a persona on the simulator's Entra sign-in page. */
export async function pickAccount(page: Page, upn: string): Promise<void> {
  await page.locator(`button[data-upn="${upn}"]`).click();
}

/**
 * Signs in through the real flow: our sign-in page → MSAL redirect (PKCE, nonce) → the simulator's Entra
 * sign-in page (pick the persona) → back to our callback, which verifies the tokens and opens a session.
 */
export async function signInAs(page: Page, upn: string, area: AreaName, returnTo?: string): Promise<void> {
  const params = new URLSearchParams({ area });
  if (returnTo) params.set("returnTo", returnTo);
  await page.goto(`/signin?${params}`);
  await ready(page);
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await pickAccount(page, upn);
  await expect(page.getByRole("link", { name: "Sign out", exact: true })).toBeVisible({ timeout: 20_000 });
  await ready(page);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Sign out", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/" && url.port === new URL(page.url()).port, { timeout: 20_000 });
}
