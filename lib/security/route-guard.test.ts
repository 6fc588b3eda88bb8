// The real route handlers behind their guard: over the limit they answer 429 with Retry-After (JSON for scripts,
// a page for a browser), and a state change from another site's page is refused with 403 before it acts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { POST as newNonce } from "../../app/api/auth/nonce/route";
import { DELETE as signOut } from "../../app/api/auth/session/route";
import { GET as exportAudit } from "../../app/api/audit/export/route";
import { setAppEnvForTests } from "../testing/app-env";
import { checkRequestOrigin } from "./origin";
import { guardRoute } from "./route-guard";

const APP = "http://localhost:3000";

beforeAll(() => {
  setAppEnvForTests({ RATE_LIMIT_SIGNIN: "3", RATE_LIMIT_REQUESTS: "2", RATE_LIMIT_REQUESTS_PER_IP: "1000" });

// Close the app's pool before the file's database is dropped, or the dropped connections surface as errors.
afterAll(async () => {
  await db().$disconnect();
});
});

function request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Request {
  return new Request(`${APP}${path}`, { ...init, headers: { host: "localhost:3000", ...init.headers } });
}

describe("rate limit on route handlers", () => {
  it("answers the request over the sign-in limit with 429, Retry-After and the wait in words", async () => {
    const from = { "x-forwarded-for": "203.0.113.20", origin: APP };
    for (let i = 0; i < 3; i++) expect((await newNonce(request("/api/auth/nonce", { method: "POST", headers: from }))).status).toBe(200);
    const refused = await newNonce(request("/api/auth/nonce", { method: "POST", headers: from }));
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({ error: expect.objectContaining({ code: "RATE_LIMITED", message: `Too many requests — wait ${wait} second${wait === 1 ? "" : "s"} and try again.` }) });
    expect(refused.headers.get("set-cookie")).toBeNull();
    // Another address still gets its nonce.
    expect((await newNonce(request("/api/auth/nonce", { method: "POST", headers: { "x-forwarded-for": "203.0.113.21" } }))).status).toBe(200);
  });

  it("shows a browser that navigated a page saying how long to wait, per session", async () => {
    const session = { cookie: "cmk_session=abc; __Host-cmk_session=abc", "x-forwarded-for": "203.0.113.30", accept: "text/html", "sec-fetch-mode": "navigate" };
    for (let i = 0; i < 2; i++) expect(await guardRoute(request("/api/audit/export", { headers: session }))).toBeNull();
    const refused = await exportAudit(request("/api/audit/export", { headers: session }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("text/html");
    expect(await refused.text()).toMatch(/Too many requests — wait \d+ seconds? and try again\./);
  });
});

describe("origin check on state-changing route handlers", () => {
  it("refuses sign-out from another site's page (Origin or Sec-Fetch-Site) with 403", async () => {
    const hostile: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site", origin: "http://evil.localhost:3000" }];
    for (const headers of hostile) {
      const response = await signOut(request("/api/auth/session", { method: "DELETE", headers: { cookie: "cmk_session=victim", "x-request-id": "7c0ffee0-1234-4abc-8def-0123456789ab", ...headers } }));
      expect(response.status, JSON.stringify(headers)).toBe(403);
      // The request's short reference, for the person to quote to support.
      expect((await response.json()).error).toMatchObject({ code: "FORBIDDEN", reference: "7c0ffee0" });
      expect(response.headers.get("set-cookie"), "the session cookie was not cleared").toBeNull();
    }
  });

  it("lets the portal's own pages, and non-browser clients, through; never checks reads", () => {
    const own = (headers: Record<string, string>, method = "POST") => checkRequestOrigin(request("/api/auth/session", { method, headers }), APP).ok;
    expect(own({ origin: APP, "sec-fetch-site": "same-origin" })).toBe(true);
    expect(own({ origin: "https://portal.example", "x-forwarded-host": "portal.example" })).toBe(true);
    expect(own({})).toBe(true);
    expect(own({ origin: "https://evil.example" }, "GET")).toBe(true);
    expect(own({ origin: "https://evil.example" }, "PUT")).toBe(false);
    expect(own({ origin: "https://evil.example" }, "PATCH")).toBe(false);
    expect(own({ origin: "https://localhost:3000.evil.example" })).toBe(false);
  });
});
