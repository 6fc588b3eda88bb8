import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../auth/session-store";
import type { Db } from "../db/client";
import { retryProvisioningAction, runHealthCheckNowAction } from "./actions";
import { createTenant, isolatedDatabase } from "./testing";

const staff = (roles: string[]): SessionUser => ({ idHash: randomUUID(), kind: "STAFF", tenantId: randomUUID(), userOid: randomUUID(), userName: "someone@skyline.example", displayName: "Someone", roles });
const operator = staff(["Operator"]);
const support = staff(["Support", "SupportApprover"]);
const customer: SessionUser = { ...staff(["CustomerAdmin"]), kind: "CUSTOMER" };

let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let db: Db;
let failed: Awaited<ReturnType<typeof createTenant>>;
let healthy: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  database = await isolatedDatabase("cmk_dash_actions");
  db = database.db;
  failed = await createTenant(db, { name: "Failed Co", keys: ["k"], des: [{ region: "westeurope", state: "FAILED", errorCode: "ForbiddenByRbac" }] });
  healthy = await createTenant(db, { name: "Healthy Co", health: "HEALTHY", keys: ["k"], des: [{ region: "westeurope", state: "SUCCEEDED" }] });
});

afterAll(async () => {
  await database?.drop();
});

describe("operator actions", () => {
  it("refuse support staff and customers, and audit the refusal", async () => {
    for (const user of [support, customer]) {
      for (const action of [retryProvisioningAction, runHealthCheckNowAction]) {
        expect(await action.run(user, { customerTenantId: failed.tenant.id }, db)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
      }
    }
    expect(await db.auditEvent.count({ where: { action: "provisioning.retry.denied", actorId: support.userOid, result: "DENIED" } })).toBe(1);
    expect(await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: failed.des[0]!.id } })).toMatchObject({ provisioningState: "FAILED" });
    expect(await db.job.count()).toBe(0);
  });

  it("validate the tenant id", async () => {
    expect(await retryProvisioningAction.run(operator, { customerTenantId: "x' OR 1=1" }, db)).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
  });

  it("retry a failed provisioning once, even when clicked twice", async () => {
    const first = await retryProvisioningAction.run(operator, { customerTenantId: failed.tenant.id }, db);
    expect(first).toMatchObject({ ok: true, data: { jobIds: [expect.any(String)] } });
    expect(await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: failed.des[0]!.id } })).toMatchObject({ provisioningState: "QUEUED", lastErrorCode: null });
    const again = await retryProvisioningAction.run(operator, { customerTenantId: failed.tenant.id }, db);
    expect(again).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(await db.job.count({ where: { customerTenantId: failed.tenant.id, kind: "PROVISION_DES", requestedBy: operator.userOid } })).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "provisioning.retry", actorId: operator.userOid, customerTenantId: failed.tenant.id } })).toBe(1);
  });

  it("run a health check now only where a DES exists", async () => {
    expect(await runHealthCheckNowAction.run(operator, { customerTenantId: healthy.tenant.id }, db)).toMatchObject({ ok: true, data: { jobId: expect.any(String) } });
    expect(await db.job.count({ where: { customerTenantId: healthy.tenant.id, kind: "HEALTH_CHECK" } })).toBe(1);
    expect(await runHealthCheckNowAction.run(operator, { customerTenantId: randomUUID() }, db)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
  });
});
