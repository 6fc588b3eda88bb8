import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { openOffboardings } from "./queries";

describe("openOffboardings", () => {
  it("lists the open offboardings of every tenant, oldest first, with the customer's name", async () => {
    const db = testDb();
    const tenant = (name: string) => db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: name } });
    const [alpha, bravo] = [await tenant("Alpha Offboarding"), await tenant("Bravo Offboarding")];
    const offboard = (customerTenantId: string, state: "REQUESTED" | "APPROVED" | "COMPLETED" | "CANCELLED", minutesAgo: number) =>
      db.offboarding.create({ data: { customerTenantId, state, diskPolicy: "platform-key", requestedByOid: randomUUID(), requestedByName: "Admin", requestedAt: new Date(Date.now() - minutesAgo * 60_000), impact: {} } });
    await offboard(alpha.id, "COMPLETED", 90);
    const newer = await offboard(alpha.id, "APPROVED", 10);
    await offboard(bravo.id, "CANCELLED", 60);
    const older = await offboard(bravo.id, "REQUESTED", 30);
    const open = (await openOffboardings(db)).filter((o) => o.customerTenantId === alpha.id || o.customerTenantId === bravo.id);
    expect(open).toEqual([
      { id: older.id, customerTenantId: bravo.id, state: "REQUESTED", requestedByName: "Admin", requestedAt: older.requestedAt, customerTenant: { displayName: "Bravo Offboarding" } },
      { id: newer.id, customerTenantId: alpha.id, state: "APPROVED", requestedByName: "Admin", requestedAt: newer.requestedAt, customerTenant: { displayName: "Alpha Offboarding" } },
    ]);
  });
});
