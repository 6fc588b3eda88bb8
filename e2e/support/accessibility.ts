import type { Page } from "@playwright/test";
import { expect, test } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);

/**
 * Runs axe-core (WCAG 2.x A/AA) on the current page and fails the test on any serious or critical violation,
 * listing rule, impact, the offending elements and axe's help text so the fix is obvious from the report alone.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Next streams metadata: after a client-side navigation the <title> lands a moment after the content.
  await page.waitForFunction(() => document.title !== "", undefined, { timeout: 5000 }).catch(() => undefined);
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const blocking = results.violations.filter((v) => v.impact && BLOCKING.has(v.impact));
  const report = blocking.map((v) => {
    const targets = v.nodes.map((n) => `    - ${n.target.join(" ")}${n.failureSummary ? `: ${n.failureSummary.replace(/\s+/g, " ")}` : ""}`);
    return `  ${v.id} (${v.impact}): ${v.help} [${v.helpUrl}]\n${targets.join("\n")}`;
  });
  if (blocking.length > 0) {
    await test.info().attach(`axe-${name}.json`, { body: JSON.stringify(blocking, null, 2), contentType: "application/json" });
  }
  expect(blocking.length, `axe found serious/critical WCAG violations on "${name}" (${page.url()}):\n${report.join("\n")}`).toBe(0);
}
