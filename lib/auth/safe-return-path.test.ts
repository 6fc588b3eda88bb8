import { describe, expect, it } from "vitest";
import { safeReturnPath } from "./roles";

const FALLBACK = "/onboarding";

describe("safeReturnPath", () => {
  it.each([
    // The review's findings, as the sign-in page receives them (query parameters arrive percent-decoded once).
    ["/\t/evil.example", "/%09/evil.example"],
    ["/\n/evil.example", "/%0A/evil.example"],
    ["/\t\\evil.example", "/%09%5Cevil.example"],
    [decodeURIComponent("%2F%09%2Fevil.example"), "%2F%09%2Fevil.example"],
    ["/\\evil.example", "/\\evil.example"],
    ["//evil.example", "protocol-relative"],
    ["/\r\n/evil.example", "CR LF"],
    ["/ /evil.example".replace(" ", "\t\t"), "two tabs"],
    ["/./\\evil.example", "dot segment then backslash"],
    ["/.//evil.example", "dot segment that normalises to //"],
    ["https://evil.example/x", "absolute URL"],
    ["javascript:alert(1)", "script URL"],
    ["%2F%2Fevil.example", "still encoded (not a path)"],
    ["", "empty"],
  ])("refuses %j (%s)", (value) => {
    expect(safeReturnPath(value, FALLBACK)).toBe(FALLBACK);
  });

  it("refuses a missing value", () => {
    expect(safeReturnPath(null, FALLBACK)).toBe(FALLBACK);
    expect(safeReturnPath(undefined, FALLBACK)).toBe(FALLBACK);
  });

  it.each([
    ["/status", "/status"],
    ["/tenants?health=FAILED&page=2", "/tenants?health=FAILED&page=2"],
    ["/support/tenants/abc#revoke", "/support/tenants/abc#revoke"],
    ["/onboarding/../status", "/status"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
  ])("keeps the same-origin path %j as %j", (value, expected) => {
    expect(safeReturnPath(value, FALLBACK)).toBe(expected);
  });
});
