import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { DEFAULT_QUERY, SORT_COLUMNS, type TenantListQuery } from "./filters";
import { allTenantRows, likePattern, listTenants } from "./tenant-list";
import { createTenant, isolatedDatabase } from "./testing";

let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let db: Db;
const q = (over: Partial<TenantListQuery>): TenantListQuery => ({ ...DEFAULT_QUERY, ...over });
const names = async (over: Partial<TenantListQuery>) => (await listTenants(db, q(over))).rows.map((r) => r.displayName);
let rotatedKeyUrl = "";
let fabrikamTenantId = "";

beforeAll(async () => {
  database = await isolatedDatabase("cmk_dash_list");
  db = database.db;
  await createTenant(db, { name: "Alpha Healthy", health: "HEALTHY", keys: ["disk-key"], des: [{ region: "westeurope", state: "SUCCEEDED" }], lastCheck: new Date("2026-11-20T10:00:00Z"), lastChange: new Date("2026-11-01T10:00:00Z") });
  const rotated = await createTenant(db, { name: "Bravo Rotated", health: "DEGRADED", healthCause: "KEY_EXPIRES_SOON", keys: ["old-key", "new-key"], des: [{ region: "eastus", state: "SUCCEEDED", key: 0 }], lastCheck: new Date("2026-11-21T10:00:00Z"), lastChange: new Date("2026-11-19T10:00:00Z") });
  rotatedKeyUrl = rotated.keys[1]!.keyUrl;
  const fabrikam = await createTenant(db, { name: "Charlie Fabrikam", keys: ["k"], des: [{ region: "westeurope", state: "SUCCEEDED" }, { region: "northeurope", state: "FAILED", errorCode: "ForbiddenByRbac" }], health: "HEALTHY" });
  fabrikamTenantId = fabrikam.tenant.tenantId;
  await createTenant(db, { name: "Delta Waiting", step: "ACCESS", region: "uksouth", keys: ["cmk"] });
  await createTenant(db, { name: "Echo Submitted", step: "SUBMITTED", region: "eastus", keys: ["cmk"] });
  await createTenant(db, { name: "Foxtrot Queued", keys: ["cmk"], des: [{ region: "swedencentral", state: "QUEUED" }] });
  await createTenant(db, { name: "Golf Revoked 100%_off", health: "REVOKED", healthCause: "KEY_DISABLED", keys: ["cmk"], des: [{ region: "westeurope", state: "SUCCEEDED" }] });
  await createTenant(db, { name: "Hotel Consent", step: "CONSENT" });
});

afterAll(async () => {
  await database?.drop();
});

describe("listTenants", () => {
  it("derives one status per tenant: failed or running provisioning first, then key health", async () => {
    const rows = (await listTenants(db, q({ pageSize: 100 }))).rows;
    const status = Object.fromEntries(rows.map((r) => [r.displayName, r.status]));
    expect(status).toEqual({
      "Alpha Healthy": "HEALTHY",
      "Bravo Rotated": "DEGRADED",
      "Charlie Fabrikam": "FAILED",
      "Delta Waiting": "UNKNOWN",
      "Echo Submitted": "PROVISIONING",
      "Foxtrot Queued": "PROVISIONING",
      "Golf Revoked 100%_off": "REVOKED",
      "Hotel Consent": "UNKNOWN",
    });
    const charlie = rows.find((r) => r.displayName === "Charlie Fabrikam")!;
    expect(charlie).toMatchObject({ desState: "FAILED", desCount: 2, desErrorCode: "ForbiddenByRbac", region: "northeurope" });
  });

  it("shows the key version the DES uses, not the newest key", async () => {
    const [bravo] = (await listTenants(db, q({ q: "Bravo" }))).rows;
    expect(bravo?.keyName).toBe("old-key");
    const [delta] = (await listTenants(db, q({ q: "Delta" }))).rows;
    expect(delta).toMatchObject({ keyName: "cmk", desState: null, region: "uksouth" });
  });

  it("filters by health, step and region (any of the tenant's DES regions)", async () => {
    expect(await names({ health: ["FAILED"] })).toEqual(["Charlie Fabrikam"]);
    expect(await names({ health: ["PROVISIONING", "REVOKED"] })).toEqual(["Echo Submitted", "Foxtrot Queued", "Golf Revoked 100%_off"]);
    expect(await names({ step: ["ACCESS", "CONSENT"] })).toEqual(["Delta Waiting", "Hotel Consent"]);
    expect(await names({ region: ["northeurope"] })).toEqual(["Charlie Fabrikam"]);
    expect(await names({ region: ["eastus"] })).toEqual(["Bravo Rotated", "Echo Submitted"]);
    expect(await names({ region: ["westeurope"], health: ["HEALTHY"] })).toEqual(["Alpha Healthy"]);
  });

  it("filters tenants whose key in use expires within 30 days (or has expired)", async () => {
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
    try {
      await db.keyReference.updateMany({ where: { keyName: "disk-key" }, data: { expiresAt: inDays(45) } });
      await db.keyReference.updateMany({ where: { keyName: "new-key" }, data: { expiresAt: inDays(5) } });
      expect(await names({ keyExpiring: true })).toEqual([]);
      await db.keyReference.updateMany({ where: { keyName: "old-key" }, data: { expiresAt: inDays(29) } });
      await db.keyReference.updateMany({ where: { keyName: "k" }, data: { expiresAt: inDays(-1) } });
      expect(await names({ keyExpiring: true })).toEqual(["Bravo Rotated", "Charlie Fabrikam"]);
      expect(await names({ keyExpiring: true, health: ["FAILED"] })).toEqual(["Charlie Fabrikam"]);
    } finally {
      await db.keyReference.updateMany({ data: { expiresAt: null } });
    }
  });

  it("searches names, tenant ids and any connected key URL or vault, case-insensitively", async () => {
    expect(await names({ q: "fabrikam" })).toEqual(["Charlie Fabrikam"]);
    expect(await names({ q: fabrikamTenantId.slice(4, 20).toUpperCase() })).toEqual(["Charlie Fabrikam"]);
    expect(await names({ q: rotatedKeyUrl })).toEqual(["Bravo Rotated"]);
    expect(await names({ q: "kv-deltawaiting.vault.azure.net" })).toEqual(["Delta Waiting"]);
  });

  it("treats wildcards and quotes in the search as text", async () => {
    expect(likePattern("100%_off")).toBe("%100\\%\\_off%");
    expect(await names({ q: "100%_off" })).toEqual(["Golf Revoked 100%_off"]);
    expect(await names({ q: "%" })).toEqual(["Golf Revoked 100%_off"]);
    expect(await names({ q: "'; DROP TABLE \"CustomerTenant\"; --" })).toEqual([]);
    expect((await listTenants(db, q({}))).total).toBe(8);
  });

  it("sorts on every column in both directions, nulls last, with a stable tie-break", async () => {
    for (const sort of SORT_COLUMNS) {
      for (const dir of ["asc", "desc"] as const) {
        const page = await listTenants(db, q({ sort, dir, pageSize: 100 }));
        expect(page.rows, `${sort} ${dir}`).toHaveLength(8);
        const again = await listTenants(db, q({ sort, dir, pageSize: 100 }));
        expect(again.rows.map((r) => r.id)).toEqual(page.rows.map((r) => r.id));
      }
    }
    expect(await names({ sort: "lastCheck", dir: "desc", pageSize: 3 })).toEqual(["Bravo Rotated", "Alpha Healthy", expect.any(String)]);
    expect((await names({ sort: "lastCheck", dir: "asc" })).slice(0, 2)).toEqual(["Alpha Healthy", "Bravo Rotated"]);
    expect((await names({ sort: "health", dir: "desc" })).slice(0, 2)).toEqual(["Golf Revoked 100%_off", "Charlie Fabrikam"]);
    expect(await names({ sort: "name", dir: "desc", pageSize: 25 })).toEqual([...(await names({ sort: "name", pageSize: 25 }))].reverse());
  });

  it("pages through the list and counts the whole filter", async () => {
    const first = await listTenants(db, q({ pageSize: 25 }));
    expect(first).toMatchObject({ total: 8, pageCount: 1, page: 1 });
    const beyond = await listTenants(db, q({ page: 5 }));
    expect(beyond.rows).toEqual([]);
    expect(beyond.total).toBe(8);
    // A search counts within its page query; past the end it still knows the total.
    expect(await listTenants(db, q({ q: "WAITING" }))).toMatchObject({ total: 1, rows: [{ displayName: "Delta Waiting" }] });
    expect(await listTenants(db, q({ q: "waiting", page: 2 }))).toMatchObject({ rows: [], total: 1 });
    const all: string[] = [];
    for await (const row of allTenantRows(db, q({ sort: "name" }), 3)) all.push(row.displayName);
    expect(all).toEqual(await names({ sort: "name", pageSize: 25 }));
  });
});
