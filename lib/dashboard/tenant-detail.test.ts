import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../audit/log";
import type { Db } from "../db/client";
import { getTenantDetail } from "./tenant-detail";
import { createTenant, isolatedDatabase } from "./testing";

let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let db: Db;
let failed: Awaited<ReturnType<typeof createTenant>>;
let healthy: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  database = await isolatedDatabase("cmk_dash_detail");
  db = database.db;
  failed = await createTenant(db, { name: "Failed Co", keys: ["k"], des: [{ region: "westeurope", state: "FAILED", errorCode: "KeyVaultAccessForbidden" }] });
  healthy = await createTenant(db, { name: "Healthy Co", health: "HEALTHY", keys: ["k"], des: [{ region: "westeurope", state: "SUCCEEDED" }] });
  const job = await db.job.create({
    data: { kind: "PROVISION_DES", status: "FAILED", idempotencyKey: `t:${randomUUID()}`, customerTenantId: failed.tenant.id, attempts: 2, lastErrorCode: "KeyVaultAccessForbidden", createdAt: new Date("2026-11-02T10:05:00Z") },
  });
  await db.jobAttempt.createMany({
    data: [
      { jobId: job.id, attempt: 1, startedAt: new Date("2026-11-02T10:05:00Z"), finishedAt: new Date("2026-11-02T10:05:30Z"), errorCode: "TooManyRequests" },
      { jobId: job.id, attempt: 2, startedAt: new Date("2026-11-02T10:07:00Z"), finishedAt: new Date("2026-11-02T10:07:30Z"), errorCode: "KeyVaultAccessForbidden" },
    ],
  });
  await db.healthEvent.create({ data: { customerTenantId: healthy.tenant.id, fromState: "UNKNOWN", toState: "HEALTHY", occurredAt: new Date("2026-11-03T00:00:00Z") } });
  await recordAudit(db, { actorType: "SYSTEM", actorId: "test", action: "provisioning.failed", customerTenantId: failed.tenant.id, result: "FAILURE" });
});

afterAll(async () => {
  await database?.drop();
});

describe("getTenantDetail", () => {
  it("assembles the full timeline, newest first, with job attempts and Azure error codes", async () => {
    const detail = await getTenantDetail(db, failed.tenant.id);
    expect(new Set(detail.timeline.map((e) => e.kind))).toEqual(new Set(["step", "job", "audit"]));
    const times = detail.timeline.map((e) => e.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const job = detail.timeline.find((e) => e.kind === "job");
    expect(job).toMatchObject({ jobKind: "PROVISION_DES", lastErrorCode: "KeyVaultAccessForbidden", attempts: [{ attempt: 1, errorCode: "TooManyRequests" }, { attempt: 2, errorCode: "KeyVaultAccessForbidden" }] });
    expect(detail.timeline.filter((e) => e.kind === "step")).toHaveLength(7);
    expect(detail.canRetryProvisioning).toBe(true);
    expect(detail.canRunHealthCheck).toBe(false);
    expect(detail.diskEncryptionSets[0]!.portalUrl).toBe(`https://portal.azure.com/#resource${failed.des[0]!.armId}/overview`);
  });

  it("finds a tenant by its Entra tenant id too, and keeps other tenants' history out", async () => {
    const detail = await getTenantDetail(db, healthy.tenant.tenantId);
    expect(detail.tenant.id).toBe(healthy.tenant.id);
    expect(detail.timeline.some((e) => e.kind === "health")).toBe(true);
    expect(detail.timeline.some((e) => e.kind === "job" || e.kind === "audit")).toBe(false);
    expect(detail.canRetryProvisioning).toBe(false);
    expect(detail.canRunHealthCheck).toBe(true);
  });

  it("says NOT_FOUND for unknown and malformed ids", async () => {
    await expect(getTenantDetail(db, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getTenantDetail(db, "not-a-guid'--")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
