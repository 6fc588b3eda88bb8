import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Page } from "@playwright/test";
import { test } from "@playwright/test";
import { expectAccessible } from "./accessibility";

/**
 * The README's three pictures, taken by the journeys that reach these pages (e2e/onboarding.spec.ts,
 * operator-dashboard.spec.ts, support-console.spec.ts), so every e2e run refreshes them. Committed, hence small:
 * the 1280×800 viewport, not the full page.
 */
export const README_SCREENSHOTS: Readonly<Record<string, string>> = {
  "wizard-key-list": "wizard",
  "operator-dashboard-overview": "dashboard",
  "support-tenant-key-versions": "support",
};
const README_VIEWPORT = { width: 1280, height: 800 };

/**
 * Full-page screenshot kept as a test artifact (e2e/artifacts/) and attached to the report. Every portal page a journey
 * screenshots is also checked with axe, so the accessibility check covers every page the e2e run visits. Pages of the
 * Azure simulator (stand-ins for Microsoft's sign-in and consent pages, on another origin) are not the product's.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join("e2e", "artifacts", `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await test.info().attach(name, { path: file, contentType: "image/png" });
  const readmeName = README_SCREENSHOTS[name];
  if (readmeName) await readmeScreenshot(page, readmeName);
  const portal = test.info().project.use.baseURL;
  if (portal && new URL(page.url()).origin === new URL(portal).origin) await expectAccessible(page, name);
}

async function readmeScreenshot(page: Page, name: string): Promise<void> {
  const previous = page.viewportSize();
  await page.setViewportSize(README_VIEWPORT);
  await mkdir(path.join("docs", "screenshots"), { recursive: true });
  await page.screenshot({ path: path.join("docs", "screenshots", `${name}.png`), animations: "disabled" });
  if (previous) await page.setViewportSize(previous);
}
