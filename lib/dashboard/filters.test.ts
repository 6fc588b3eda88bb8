import { describe, expect, it } from "vitest";
import { DEFAULT_QUERY, exportSearchParams, parseTenantListQuery, tenantListSearchParams } from "./filters";

describe("tenant list view in the URL", () => {
  it("parses filters, sort and paging, and drops what is not valid", () => {
    const query = parseTenantListQuery(new URLSearchParams("q=%20contoso%20&health=FAILED,DEGRADED,BOGUS&step=ACCESS&step=nope&region=WestEurope,bad-region!&sort=lastCheck&dir=desc&page=3&pageSize=100"));
    expect(query).toEqual({ q: "contoso", health: ["FAILED", "DEGRADED"], step: ["ACCESS"], region: ["westeurope"], keyExpiring: false, sort: "lastCheck", dir: "desc", page: 3, pageSize: 100 });
  });

  it("falls back to defaults for unknown sort columns, bad pages and page sizes", () => {
    expect(parseTenantListQuery({ sort: "password", dir: "sideways", page: "-2", pageSize: "100000" })).toEqual(DEFAULT_QUERY);
    expect(parseTenantListQuery({ page: "1.5" }).page).toBe(1);
  });

  it("accepts Next.js searchParams objects with repeated keys", () => {
    expect(parseTenantListQuery({ health: ["HEALTHY", "REVOKED"], q: ["a", "b"] })).toMatchObject({ health: ["HEALTHY", "REVOKED"], q: "a" });
  });

  it("keeps the key-expiry filter in the URL as keyExpires=30", () => {
    expect(parseTenantListQuery(new URLSearchParams("keyExpires=30")).keyExpiring).toBe(true);
    expect(parseTenantListQuery(new URLSearchParams("keyExpires=7")).keyExpiring).toBe(false);
    expect(tenantListSearchParams({ keyExpiring: true }).toString()).toBe("keyExpires=30");
  });

  it("caps the search term", () => {
    expect(parseTenantListQuery({ q: "x".repeat(500) }).q).toHaveLength(200);
  });

  it("round-trips through the URL and leaves defaults out", () => {
    const query = { ...DEFAULT_QUERY, q: "kv-1/keys/a", health: ["FAILED" as const], region: ["eastus"], sort: "region" as const, dir: "desc" as const, page: 2 };
    const params = tenantListSearchParams(query);
    expect(parseTenantListQuery(params)).toEqual(query);
    expect(tenantListSearchParams(DEFAULT_QUERY).toString()).toBe("");
    expect(exportSearchParams(query).get("page")).toBeNull();
    expect(exportSearchParams(query).get("sort")).toBe("region");
  });
});
