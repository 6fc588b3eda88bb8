import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { csvField, csvLine, tenantsCsv } from "./csv";
import { DEFAULT_QUERY } from "./filters";
import { listTenants } from "./tenant-list";
import { createTenant, isolatedDatabase } from "./testing";

let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let db: Db;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

beforeAll(async () => {
  database = await isolatedDatabase("cmk_dash_csv");
  db = database.db;
  await createTenant(db, { name: 'Quote "Co", Ltd', health: "HEALTHY", keys: ["k"], des: [{ region: "westeurope", state: "SUCCEEDED" }] });
  await createTenant(db, { name: "=HYPERLINK(evil)", health: "REVOKED", healthCause: "KEY_DISABLED", keys: ["k"], des: [{ region: "eastus", state: "SUCCEEDED" }] });
  for (let i = 0; i < 5; i++) await createTenant(db, { name: `Failed ${i}`, keys: ["k"], des: [{ region: "eastus", state: "FAILED", errorCode: "ForbiddenByRbac" }] });
});

afterAll(async () => {
  await database?.drop();
});

describe("CSV export", () => {
  it("quotes per RFC 4180 and defuses spreadsheet formulas", () => {
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField("=1+2")).toBe("'=1+2");
    expect(csvField("-x")).toBe("'-x");
    expect(csvField(null)).toBe("");
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("exports exactly the rows of the filter, in the list's order, across pages", async () => {
    const query = { ...DEFAULT_QUERY, health: ["FAILED" as const], region: ["eastus"], sort: "name" as const, dir: "desc" as const };
    const text = await readAll(tenantsCsv(db, query));
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toContain("Tenant name,Tenant id,Onboarding step,DES state");
    const listed = (await listTenants(db, { ...query, pageSize: 100 })).rows;
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(listed.map((r) => r.displayName));
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain("ForbiddenByRbac");
  });

  it("keeps awkward names intact", async () => {
    const text = await readAll(tenantsCsv(db, { ...DEFAULT_QUERY, health: ["HEALTHY", "REVOKED"] }));
    expect(text).toContain('"Quote ""Co"", Ltd"');
    expect(text).toContain("'=HYPERLINK(evil)");
  });
});
