import { afterAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { Prisma } from "./generated/prisma/client";

const db = testDb();

afterAll(async () => {
  await db.$disconnect();
});

async function newTenant(label: string) {
  return db.customerTenant.create({
    data: { tenantId: crypto.randomUUID(), displayName: `${label} ${Date.now()}` },
  });
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

describe("database schema (real PostgreSQL)", () => {
  it("allows exactly one onboarding per customer tenant", async () => {
    const tenant = await newTenant("Onboarding");
    await db.onboarding.create({ data: { customerTenantId: tenant.id } });
    const second = db.onboarding.create({ data: { customerTenantId: tenant.id } });
    await expect(second).rejects.toSatisfy(isUniqueViolation);
  });

  it("allows one disk encryption set per tenant and region, more across regions", async () => {
    const tenant = await newTenant("DES");
    const key = await db.keyReference.create({
      data: {
        customerTenantId: tenant.id,
        vaultResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v",
        vaultUri: "https://v.vault.azure.net/",
        keyName: "k",
        keyVersion: "0123456789abcdef0123456789abcdef",
        keyUrl: "https://v.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
        keyType: "RSA",
        keySize: 3072,
        permissionModel: "RBAC",
        region: "westeurope",
      },
    });
    await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: "westeurope", name: "des-a", keyReferenceId: key.id } });
    await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: "northeurope", name: "des-b", keyReferenceId: key.id } });
    const duplicate = db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region: "westeurope", name: "des-c", keyReferenceId: key.id } });
    await expect(duplicate).rejects.toSatisfy(isUniqueViolation);
  });

  it("makes a job idempotency key unique", async () => {
    const key = `provision:${crypto.randomUUID()}`;
    await db.job.create({ data: { kind: "PROVISION_DES", idempotencyKey: key } });
    await expect(db.job.create({ data: { kind: "PROVISION_DES", idempotencyKey: key } })).rejects.toSatisfy(isUniqueViolation);
  });

  it("refuses to update or delete audit events", async () => {
    const event = await db.auditEvent.create({
      data: { actorType: "SYSTEM", actorId: "test", action: "test.append", result: "SUCCESS", prevHash: "0".repeat(64), hash: crypto.randomUUID() },
    });
    await expect(db.auditEvent.update({ where: { seq: event.seq }, data: { action: "tampered" } })).rejects.toThrow(/append-only/);
    await expect(db.auditEvent.delete({ where: { seq: event.seq } })).rejects.toThrow(/append-only/);
    expect((await db.auditEvent.findUniqueOrThrow({ where: { seq: event.seq } })).action).toBe("test.append");
  });

  it("stores states as enums and rejects unknown ones", async () => {
    const tenant = await newTenant("Enum");
    await expect(db.$executeRaw`update "CustomerTenant" set "healthState" = 'MAYBE' where id = ${tenant.id}::uuid`).rejects.toThrow();
  });
});
