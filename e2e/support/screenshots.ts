import path from "node:path";
import type { Page } from "@playwright/test";
import { test } from "@playwright/test";
import { expectAccessible } from "./accessibility";

/**
 * Full-page screenshot kept as a test artifact (e2e/artifacts/) and attached to the report. Every portal page a journey
 * screenshots is also checked with axe, so the accessibility check covers every page the e2e run visits. Pages of the
 * Azure simulator (stand-ins for Microsoft's sign-in and consent pages, on another origin) are not the product's.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join("e2e", "artifacts", `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await test.info().attach(name, { path: file, contentType: "image/png" });
  const portal = test.info().project.use.baseURL;
  if (portal && new URL(page.url()).origin === new URL(portal).origin) await expectAccessible(page, name);
}
