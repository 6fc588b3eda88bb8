import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, isHttpsRequest, newNonce, securityHeaders } from "./headers";

const BASE = { nonce: "bm9uY2U=", authorityOrigins: ["https://login.microsoftonline.com"], https: false, development: false };

function directives(policy: string): Map<string, string> {
  return new Map(policy.split(";").map((d) => d.trim().split(/\s+/)).map(([name = "", ...values]) => [name, values.join(" ")]));
}

describe("security headers", () => {
  it("allows scripts only with this request's nonce, never inline or eval, and forbids framing", () => {
    const csp = directives(contentSecurityPolicy(BASE));
    expect(csp.get("script-src")).toBe("'self' 'nonce-bm9uY2U=' 'strict-dynamic'");
    expect(csp.get("frame-ancestors")).toBe("'none'");
    expect(csp.get("object-src")).toBe("'none'");
    expect(csp.get("base-uri")).toBe("'self'");
    expect(csp.get("form-action")).toBe("'self'");
    expect(contentSecurityPolicy(BASE)).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it("lets MSAL reach the configured authority, and only it", () => {
    const csp = directives(contentSecurityPolicy({ ...BASE, authorityOrigins: ["https://localhost:8543"] }));
    expect(csp.get("connect-src")).toBe("'self' https://localhost:8543");
    expect(csp.get("frame-src")).toBe("https://localhost:8543");
    expect(csp.get("default-src")).toBe("'self'");
  });

  it("sends HSTS and upgrades requests over HTTPS only", () => {
    expect(securityHeaders(BASE)["Strict-Transport-Security"]).toBeUndefined();
    expect(contentSecurityPolicy(BASE)).not.toContain("upgrade-insecure-requests");
    const https = securityHeaders({ ...BASE, https: true });
    expect(https["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains");
    expect(https["Content-Security-Policy"]).toContain("upgrade-insecure-requests");
    expect(isHttpsRequest(new URL("http://localhost:3000/"), null, "http://localhost:3000")).toBe(false);
    expect(isHttpsRequest(new URL("http://10.0.0.4/"), "https", "http://localhost:3000")).toBe(true);
    expect(isHttpsRequest(new URL("http://10.0.0.4/"), null, "https://cmk.example.com")).toBe(true);
  });

  it("denies camera, microphone, geolocation and other device features", () => {
    const policy = securityHeaders(BASE)["Permissions-Policy"];
    for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) expect(policy).toContain(`${feature}=()`);
  });

  it("makes a fresh 128-bit nonce each time", () => {
    const a = newNonce();
    expect(Buffer.from(a, "base64")).toHaveLength(16);
    expect(newNonce()).not.toBe(a);
  });
});
