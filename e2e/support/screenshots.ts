import path from "node:path";
import type { Page } from "@playwright/test";
import { test } from "@playwright/test";

/** Full-page screenshot kept as a test artifact (e2e/artifacts/) and attached to the report. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join("e2e", "artifacts", `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await test.info().attach(name, { path: file, contentType: "image/png" });
}
