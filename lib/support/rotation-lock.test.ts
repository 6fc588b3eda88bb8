// One open rotation per disk encryption set, decided by the database (a partial unique index), not by a
// check before the insert: two requests at the same moment cannot both queue a job.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { testDb } from "../testing/db";
import { enqueueSupportJob } from "./jobs";

// The worker wake-up (pg-boss) is not what is tested here.
vi.mock("../jobs/enqueue", async (original) => ({ ...(await original<typeof import("../jobs/enqueue")>()), wakeJob: async () => undefined }));

const db = testDb();

afterAll(async () => {
  await db.$disconnect();
});

async function newTenant() {
  return db.customerTenant.create({ data: { tenantId: randomUUID(), displayName: `Rotation lock ${Date.now()}` } });
}

const rotation = (customerTenantId: string, diskEncryptionSetId: string, key: string = randomUUID()) => ({
  kind: "ROTATE_KEY" as const,
  customerTenantId,
  idempotencyKey: `rotate:${diskEncryptionSetId}:${key}`,
  payload: { diskEncryptionSetId, operation: "switch-key", targetKeyUrl: "https://v.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef", fromKeyUrl: null },
  requestedBy: "test",
});

describe("open rotation jobs", () => {
  it("two concurrent rotation requests for one DES: exactly one job, the other gets a clear conflict", async () => {
    const tenant = await newTenant();
    const desId = randomUUID();
    const results = await Promise.allSettled([enqueueSupportJob(db, rotation(tenant.id, desId)), enqueueSupportJob(db, rotation(tenant.id, desId))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected");
    expect(refused?.status === "rejected" && refused.reason).toMatchObject({ code: "CONFLICT", safeMessage: expect.stringMatching(/^A rotation of this disk encryption set is already running \(started \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/) });
    expect(await db.job.count({ where: { customerTenantId: tenant.id, kind: "ROTATE_KEY" } })).toBe(1);
  });

  it("is enforced by the database itself: two concurrent raw inserts, one fails with a unique violation", async () => {
    const tenant = await newTenant();
    const desId = randomUUID();
    const insert = () => db.$executeRaw`insert into "Job" (id, kind, status, "idempotencyKey", "customerTenantId", payload, "updatedAt") values (${randomUUID()}::uuid, 'ROTATE_KEY', 'QUEUED', ${randomUUID()}, ${tenant.id}::uuid, ${JSON.stringify({ diskEncryptionSetId: desId })}::jsonb, now())`;
    const results = await Promise.allSettled([insert(), insert()]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(String((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason)).toMatch(/Job_one_open_rotation_per_des|unique/i);
  });

  it("a double submit (same idempotency key) returns the same job; other DES, and a DES whose rotation finished, may rotate", async () => {
    const tenant = await newTenant();
    const desId = randomUUID();
    const first = await enqueueSupportJob(db, rotation(tenant.id, desId, "same"));
    expect((await enqueueSupportJob(db, rotation(tenant.id, desId, "same"))).id).toBe(first.id);
    await expect(enqueueSupportJob(db, rotation(tenant.id, randomUUID()))).resolves.toMatchObject({ status: "QUEUED" });
    await db.job.update({ where: { id: first.id }, data: { status: "SUCCEEDED", finishedAt: new Date() } });
    await expect(enqueueSupportJob(db, rotation(tenant.id, desId))).resolves.toMatchObject({ status: "QUEUED" });
  });
});
