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

  it("names people, not object ids, in the Who column; falls back to 'Unknown user'", async () => {
    await recordAudit(db, { actorType: "CUSTOMER", actorId: "admin-c-oid", action: `q${marker}.named`, customerTenantId: mine, result: "SUCCESS", details: { userName: "connie@mine.example", displayName: "Connie Admin" } });
    await recordAudit(db, { actorType: "CUSTOMER", actorId: "admin-d-oid", action: `q${marker}.unnamed`, customerTenantId: mine, result: "SUCCESS" });
    const scope = { kind: "customer" as const, customerTenantId: mine };
    const { rows } = await listAuditEvents(db, parseAuditQuery(new URLSearchParams({ action: `q${marker}` })), scope);
    const labels = Object.fromEntries(rows.map((r) => [r.action, actorLabel(r, scope)]));
    expect(labels).toMatchObject({ [`q${marker}.named`]: "Connie Admin", [`q${marker}.own`]: "admin@mine.example", [`q${marker}.unnamed`]: "Unknown user" });
    expect(Object.values(labels).join(" ")).not.toContain("-oid");
  });

  it("keeps the global sequence number out of the customer's CSV (it would reveal other tenants' activity)", async () => {
    const query = parseAuditQuery(new URLSearchParams({ action: `q${marker}.own` }));
    const { rows } = await listAuditEvents(db, query, { kind: "staff" });
    const seq = rows[0]!.seq.toString();
    const customer = (await readAll(auditCsv(db, query, { kind: "customer", customerTenantId: mine }))).trim().split("\n");
    expect(customer[0]!.split(",")[0]).toBe("Time (UTC)");
    expect(customer[0]).not.toContain("Seq");
    expect(customer[1]!.split(",")).not.toContain(seq);
    const staff = (await readAll(auditCsv(db, query, { kind: "staff" }))).trim().split("\n");
    expect(staff[0]!.split(",")[0]).toBe("Seq");
    expect(staff[1]!.split(",")[0]).toBe(seq);
  });
});
