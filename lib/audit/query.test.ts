import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { recordAudit } from "./log";
import { actorLabel, auditCsv, listAuditEvents, parseAuditQuery } from "./query";

const db = testDb();
let mine: string;
let theirs: string;
const marker = randomUUID().slice(0, 8);

beforeAll(async () => {
  mine = (await db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: `Mine ${marker}` } })).id;
  theirs = (await db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: `Theirs ${marker}` } })).id;
  await recordAudit(db, { actorType: "CUSTOMER", actorId: "admin-a", actorRole: "CustomerAdmin", action: `q${marker}.own`, customerTenantId: mine, result: "SUCCESS", details: { userName: "admin@mine.example" } });
  await recordAudit(db, { actorType: "STAFF", actorId: "staff-oid", actorRole: "Support", action: `q${marker}.staff`, customerTenantId: mine, reason: "=HYPERLINK(\"x\")", result: "SUCCESS", details: { userName: "support@skyline.example" } });
  await recordAudit(db, { actorType: "CUSTOMER", actorId: "admin-b", action: `q${marker}.other`, customerTenantId: theirs, result: "DENIED" });
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("audit log queries", () => {
  it("a customer's scope holds only their tenant, whatever the filters say", async () => {
    const query = parseAuditQuery(new URLSearchParams({ action: `q${marker}`, tenant: theirs }));
    const { rows } = await listAuditEvents(db, { ...query, tenant: undefined }, { kind: "customer", customerTenantId: mine });
    expect(rows.map((r) => r.action).sort()).toEqual([`q${marker}.own`, `q${marker}.staff`]);
    const csv = await readAll(auditCsv(db, query, { kind: "customer", customerTenantId: mine }));
    expect(csv).not.toContain(`q${marker}.other`);
  });

  it("staff filter by customer, action prefix and result", async () => {
    const byTenant = await listAuditEvents(db, parseAuditQuery(new URLSearchParams({ tenant: `Theirs ${marker}`, action: `q${marker}` })), { kind: "staff" });
    expect(byTenant.rows.map((r) => r.action)).toEqual([`q${marker}.other`]);
    const denied = await listAuditEvents(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}`, result: "denied" })), { kind: "staff" });
    expect(denied.rows.map((r) => r.tenantName)).toEqual([`Theirs ${marker}`]);
  });

  it("a customer's actor filter cannot match provider staff by name, e-mail or object id; staff can", async () => {
    const customerScope = { kind: "customer" as const, customerTenantId: mine };
    for (const actor of ["support@skyline.example", "support@", "skyline", "staff-oid"]) {
      const { rows } = await listAuditEvents(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}`, actor })), customerScope);
      expect(rows, actor).toEqual([]);
      const csv = await readAll(auditCsv(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}`, actor })), customerScope));
      expect(csv.trim().split("\n"), actor).toHaveLength(1);
    }
    const own = await listAuditEvents(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}`, actor: "admin@mine" })), customerScope);
    expect(own.rows.map((r) => r.action)).toEqual([`q${marker}.own`]);
    const staff = await listAuditEvents(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}`, actor: "support@skyline.example" })), { kind: "staff" });
    expect(staff.rows.map((r) => r.action)).toEqual([`q${marker}.staff`]);
  });

  it("hides provider staff identities from customers and defuses spreadsheet formulas in the CSV", async () => {
    const { rows } = await listAuditEvents(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}.staff` })), { kind: "staff" });
    expect(actorLabel(rows[0]!, { kind: "customer", customerTenantId: mine })).toBe("Provider support (Support)");
    expect(actorLabel(rows[0]!, { kind: "staff" })).toBe("support@skyline.example");
    const csv = await readAll(auditCsv(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}.staff` })), { kind: "customer", customerTenantId: mine }));
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).not.toContain("staff-oid");
    expect(csv).not.toContain("support@skyline.example");
  });
});
