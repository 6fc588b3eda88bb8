import { expect, test, type Page } from "@playwright/test";
import { pickAccount, ready, signInAs } from "./support/auth";
import { SIM_URL } from "./support/sim";
import { freshWorld } from "./support/world";

// The portal's edge: security headers on every answer, sign-in working under the strict CSP, returnTo that never
// leaves the portal, refusal pages that answer 403 with no data, cross-site state changes refused, and the 429.
test.describe.configure({ mode: "serial" });
test.beforeAll(freshWorld);

function directives(policy: string | undefined): Map<string, string> {
  return new Map((policy ?? "").split(";").map((d) => d.trim().split(/\s+/)).map(([name = "", ...values]) => [name, values.join(" ")]));
}

/** Records every CSP violation the page reports (an init script runs before the page's own scripts). */
async function watchCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Permissions-Policy|Permissions policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  await page.exposeFunction("__reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI} on ${location.pathname}`);
    });
  });
  return violations;
}

test.describe("security headers", () => {
  test("every page and API answer carries a fresh-nonce CSP, Permissions-Policy, and no HSTS over local http", async ({ request }) => {
    const nonces = new Set<string>();
    for (const path of ["/", "/signin?area=customer", "/onboarding", "/tenants", "/api/audit/export"]) {
      const response = await request.get(path, { maxRedirects: 0 });
      const headers = response.headers();
      const csp = directives(headers["content-security-policy"]);
      const scriptSrc = csp.get("script-src") ?? "";
      expect(scriptSrc, path).toMatch(/^'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'$/);
      expect(scriptSrc, path).not.toContain("unsafe-inline");
      expect(csp.get("frame-ancestors"), path).toBe("'none'");
      expect(csp.get("object-src"), path).toBe("'none'");
      expect(csp.get("connect-src"), path).toBe(`'self' ${SIM_URL}`);
      expect(headers["permissions-policy"], path).toContain("camera=()");
      expect(headers["permissions-policy"], path).toContain("microphone=()");
      expect(headers["permissions-policy"], path).toContain("geolocation=()");
      expect(headers["strict-transport-security"], `${path}: HSTS would pin localhost to https`).toBeUndefined();
      nonces.add(scriptSrc);
    }
    expect(nonces.size, "a new nonce for every request").toBe(5);
  });

  test("Next.js puts the request's nonce on every script of the page", async ({ request }) => {
    const response = await request.get("/signin?area=customer");
    const nonce = /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"] ?? "")?.[1];
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  test("customer and staff sign in through MSAL with zero CSP violations", async ({ page }) => {
    const violations = await watchCspViolations(page);
    await signInAs(page, "admin@contoso.example", "customer");
    await expect(page).toHaveURL(/\/onboarding\/consent$/);
    await page.getByRole("link", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/", { timeout: 20_000 });
    await signInAs(page, "operator@skyline.example", "operator");
    await expect(page).toHaveURL(/\/tenants/);
    await ready(page);
    expect(violations).toEqual([]);
  });
});

test.describe("returnTo after sign-in stays on the portal", () => {
  for (const returnTo of ["/%09/evil.example", "/%0A/evil.example", "/%09%5Cevil.example", "%2F%09%2Fevil.example", "/%5Cevil.example", "/.//evil.example"]) {
    test(`returnTo=${returnTo}`, async ({ page, baseURL }) => {
      const navigations: string[] = [];
      page.on("framenavigated", (frame) => navigations.push(frame.url()));
      await page.goto(`/signin?area=customer&returnTo=${returnTo}`);
      await ready(page);
      await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
      await pickAccount(page, "admin@contoso.example");
      await expect(page.getByRole("link", { name: "Sign out", exact: true })).toBeVisible({ timeout: 20_000 });
      expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
      expect(navigations.filter((url) => new URL(url).hostname.includes("evil")), "no navigation to another host").toEqual([]);
    });
  }
});

test.describe("refusal pages answer 403 without data", () => {
  const REFUSED = /You need a role for this area|This account cannot use this area/;
  const cases: { upn: string; area: "customer" | "operator" | "support"; paths: string[]; names?: string }[] = [
    { upn: "support@skyline.example", area: "support", paths: ["/tenants", "/tenants/00000000-0000-4000-8000-000000000000", "/onboarding", "/status", "/audit"], names: "Operator" },
    { upn: "operator@skyline.example", area: "operator", paths: ["/support", "/support/audit", "/support/tenants/00000000-0000-4000-8000-000000000000"], names: "Support" },
    { upn: "norole@skyline.example", area: "operator", paths: ["/tenants", "/support"] },
    { upn: "admin@contoso.example", area: "customer", paths: ["/tenants", "/tenants/00000000-0000-4000-8000-000000000000", "/support", "/support/audit"] },
  ];
  for (const { upn, area, paths, names } of cases) {
    test(`${upn} is refused ${paths.join(", ")} with 403`, async ({ page }) => {
      await signInAs(page, upn, area);
      for (const path of paths) {
        const response = await page.request.get(path, { maxRedirects: 0 });
        expect(response.status(), path).toBe(403);
        const html = await response.text();
        expect(html, path).toMatch(REFUSED);
        expect(html, `${path} rendered data`).not.toMatch(/<table|Fabrikam|Northwind|Disk encryption set/);
      }
      await page.goto(paths[0]!);
      await expect(page.locator("main").getByRole("alert")).toContainText(names ?? "");
      await expect(page.locator("h1")).toHaveText(REFUSED);
    });
  }
});

test.describe("cross-site requests", () => {
  test("another site cannot sign a session out, or start a sign-in", async ({ page }) => {
    await signInAs(page, "admin@contoso.example", "customer");
    const signOut = await page.request.delete("/api/auth/session", { headers: { Origin: "https://evil.example" } });
    expect(signOut.status()).toBe(403);
    const crossSite = await page.request.delete("/api/auth/session", { headers: { "Sec-Fetch-Site": "cross-site" } });
    expect(crossSite.status()).toBe(403);
    expect((await page.request.post("/api/auth/nonce", { headers: { Origin: "https://evil.example" } })).status()).toBe(403);
    await page.goto("/onboarding");
    await expect(page.getByRole("link", { name: "Sign out", exact: true })).toBeVisible();
    // The portal's own sign-out (same origin) still works.
    await page.getByRole("link", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/", { timeout: 20_000 });
    expect((await page.request.get("/onboarding", { maxRedirects: 0 })).status()).toBe(307);
  });
});

test.describe("rate limit", () => {
  test("past the sign-in limit one address gets 429 with Retry-After and the wait in words", async ({ request }) => {
    // An address of its own (the server trusts the last X-Forwarded-For hop), so the other journeys are not limited.
    const from = { "X-Forwarded-For": "198.51.100.200" };
    let refused;
    // Twice the default limit (120) and some: a fixed window may start in the middle of the burst.
    for (let i = 0; i < 300 && !refused; i++) {
      const response = await request.post("/api/auth/nonce", { headers: from });
      if (response.status() === 429) refused = response;
      else expect(response.status()).toBe(200);
    }
    expect(refused, "no 429 within 300 requests").toBeTruthy();
    const wait = Number(refused!.headers()["retry-after"]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect((await refused!.json()).error.message).toBe(`Too many requests — wait ${wait} second${wait === 1 ? "" : "s"} and try again.`);
  });

  test("a browser that navigates past the limit sees the 429 page", async ({ browser }) => {
    const context = await browser.newContext({ extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.201" } });
    const page = await context.newPage();
    let last = 0;
    for (let i = 0; i < 200 && last !== 429; i++) last = (await page.goto("/api/consent/callback"))!.status();
    expect(last).toBe(429);
    await expect(page.getByRole("alert")).toHaveText(/^Too many requests — wait \d+ seconds? and try again\.$/);
    await context.close();
  });
});
