// The dashboard's trigger-kept totals (migration 20261127174500_dashboard_aggregates) against a recomputation
// from scratch, after random sequences of the writes that change them: the onboarding service's own writers
// (advance, reopen), bulk and out-of-order step events, DES changes, health changes and deletions.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import type { DesProvisioningState, HealthState, OnboardingStep } from "../db/generated/prisma/enums";
import { advanceOnboarding, reopenOnboardingAt } from "../onboarding/progress";
import { seededRandom } from "./demo-seed";
import { ONBOARDING_STEPS } from "./filters";
import { FROM_SQL, STATUS_SQL } from "./tenant-list";
import { isolatedDatabase } from "./testing";

let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let db: Db;
let second: Db;

beforeAll(async () => {
  database = await isolatedDatabase("cmk_dash_aggregates");
  db = database.db;
  const { createPrismaClient } = await import("../db/client");
  second = createPrismaClient(database.url);
}, 120_000);

afterAll(async () => {
  await second?.$disconnect();
  await database?.drop();
});

type Snapshot = { steps: unknown[]; buckets: unknown[]; statuses: unknown[]; totals: unknown[] };

/** What the triggers keep, as sorted plain rows. */
async function kept(): Promise<Snapshot> {
  return {
    steps: await db.$queryRaw`SELECT step::text, reached, current FROM "OnboardingStepTotal" ORDER BY 1`,
    buckets: await db.$queryRaw`SELECT step::text, bucket, count FROM "OnboardingStepDurationBucket" WHERE count <> 0 ORDER BY step, bucket`,
    statuses: await db.$queryRaw`SELECT "customerTenantId"::text AS id, status FROM "TenantStatus" ORDER BY 1`,
    totals: await db.$queryRaw`SELECT status, tenants FROM "TenantStatusTotal" WHERE tenants <> 0 ORDER BY status`,
  };
}

/** The same, computed from the rows themselves (the list's own STATUS_SQL for the status). */
async function fromScratch(): Promise<Snapshot> {
  return {
    steps: await db.$queryRaw`SELECT s.step::text,
        (SELECT count(DISTINCT e."onboardingId") FROM "OnboardingStepEvent" e WHERE e.step = s.step)::int AS reached,
        (SELECT count(*) FROM "Onboarding" o WHERE o.step = s.step)::int AS current
      FROM unnest(enum_range(NULL::"OnboardingStep")) s(step) ORDER BY 1`,
    buckets: await db.$queryRaw`SELECT step::text, onboarding_duration_bucket(extract(epoch FROM span)) AS bucket, count(*)::int AS count
      FROM (SELECT step, lead("enteredAt") OVER (PARTITION BY "onboardingId" ORDER BY "enteredAt", id) - "enteredAt" AS span FROM "OnboardingStepEvent") e
      WHERE span IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
    statuses: await db.$queryRaw`SELECT t.id::text AS id, (${STATUS_SQL}) AS status ${FROM_SQL} ORDER BY 1`,
    totals: await db.$queryRaw`SELECT (${STATUS_SQL}) AS status, count(*)::int AS tenants ${FROM_SQL} GROUP BY 1 ORDER BY 1`,
  };
}

const DES_STATES: DesProvisioningState[] = ["QUEUED", "CREATING", "SUCCEEDED", "FAILED", "UPDATING"];
const HEALTH: HealthState[] = ["UNKNOWN", "HEALTHY", "DEGRADED", "KEY_UNREACHABLE", "REVOKED"];
const REGIONS = ["westeurope", "northeurope", "eastus"];

/** One random write of the kinds the product makes, on random tenants. */
async function randomWrite(random: () => number, counter: { n: number }): Promise<void> {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const tenants = await db.customerTenant.findMany({ select: { id: true, onboarding: { select: { id: true, step: true } }, diskEncryptionSets: { select: { id: true, region: true } }, keyReferences: { select: { id: true } } } });
  const roll = random();
  if (tenants.length < 4 || roll < 0.1) {
    const n = ++counter.n;
    // As lib/onboarding/start.ts: the tenant, its onboarding and the CONSENT event in one nested write.
    await db.customerTenant.create({
      data: { tenantId: crypto.randomUUID(), displayName: `Tenant ${n}`, healthState: pick(HEALTH), onboarding: { create: { stepEvents: { create: { step: "CONSENT" } } } } },
    });
    return;
  }
  const tenant = pick(tenants);
  const onboarding = tenant.onboarding;
  if (roll < 0.3 && onboarding) {
    const next = ONBOARDING_STEPS[ONBOARDING_STEPS.indexOf(onboarding.step) + 1];
    if (next) await advanceOnboarding(db, tenant.id, next, "actor");
  } else if (roll < 0.38 && onboarding && onboarding.step !== "SUBMITTED" && onboarding.step !== "CONSENT") {
    await reopenOnboardingAt(db, tenant.id, ONBOARDING_STEPS[Math.floor(random() * ONBOARDING_STEPS.indexOf(onboarding.step))]!, "actor");
  } else if (roll < 0.48 && onboarding) {
    // Several events in one statement, at random times (also before existing ones): the trigger sees them together.
    const base = Date.UTC(2026, 10, 1) + Math.floor(random() * 20 * 86_400_000);
    await db.onboardingStepEvent.createMany({
      data: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ onboardingId: onboarding.id, step: pick(ONBOARDING_STEPS) as OnboardingStep, enteredAt: new Date(base + Math.floor(random() * 3 * 86_400_000)) })),
    });
  } else if (roll < 0.53 && onboarding) {
    const events = await db.onboardingStepEvent.findMany({ where: { onboardingId: onboarding.id }, select: { id: true } });
    if (events.length > 0) await db.onboardingStepEvent.delete({ where: { id: pick(events).id } });
  } else if (roll < 0.57 && onboarding) {
    // Moves an event in time (and so changes the spans on both sides).
    const events = await db.onboardingStepEvent.findMany({ where: { onboardingId: onboarding.id }, select: { id: true } });
    if (events.length > 0) await db.onboardingStepEvent.update({ where: { id: pick(events).id }, data: { enteredAt: new Date(Date.UTC(2026, 10, 1) + Math.floor(random() * 30 * 86_400_000)), step: pick(ONBOARDING_STEPS) } });
  } else if (roll < 0.62 && onboarding) {
    // As submit.ts: the compare-and-set to SUBMITTED and its event in one transaction.
    await db.$transaction(async (tx) => {
      const claimed = await tx.onboarding.updateMany({ where: { id: onboarding.id, step: "REVIEW" }, data: { step: "SUBMITTED", submittedAt: new Date() } });
      if (claimed.count > 0) await tx.onboardingStepEvent.create({ data: { onboardingId: onboarding.id, step: "SUBMITTED" } });
    });
  } else if (roll < 0.72) {
    const region = pick(REGIONS);
    if (tenant.diskEncryptionSets.some((d) => d.region === region)) return;
    const key = tenant.keyReferences[0] ?? (await db.keyReference.create({ data: { customerTenantId: tenant.id, vaultResourceId: "/v", vaultUri: "https://kv.vault.azure.net", keyName: "k", keyVersion: "1", keyUrl: `https://kv.vault.azure.net/keys/k/${tenant.id}`, keyType: "RSA", permissionModel: "RBAC", region } }));
    await db.diskEncryptionSet.create({ data: { customerTenantId: tenant.id, region, name: `des-${region}`, provisioningState: pick(DES_STATES), keyReferenceId: key.id, createdAt: new Date(Date.UTC(2026, 10, 1) + Math.floor(random() * 1000) * 60_000) } });
  } else if (roll < 0.82 && tenant.diskEncryptionSets.length > 0) {
    await db.diskEncryptionSet.update({ where: { id: pick(tenant.diskEncryptionSets).id }, data: { provisioningState: pick(DES_STATES) } });
  } else if (roll < 0.85 && tenant.diskEncryptionSets.length > 0) {
    await db.diskEncryptionSet.delete({ where: { id: pick(tenant.diskEncryptionSets).id } });
  } else if (roll < 0.95) {
    // Many tenants in one statement, as a bulk change would.
    await db.customerTenant.updateMany({ where: { id: { in: tenants.filter(() => random() < 0.3).map((t) => t.id) } }, data: { healthState: pick(HEALTH), lastHealthCheckAt: new Date() } });
  } else {
    // Deleting the tenant cascades to its onboarding, events and DES.
    await db.customerTenant.delete({ where: { id: tenant.id } });
  }
}

describe("dashboard aggregates kept by triggers", () => {
  it.each([1, 2, 3])("equal a recomputation from scratch after 150 random writes (seed %i)", async (seed) => {
    const random = seededRandom(seed);
    const counter = { n: seed * 1000 };
    for (let i = 0; i < 150; i++) await randomWrite(random, counter);
    const snapshot = await kept();
    expect(snapshot).toEqual(await fromScratch());
    // Not vacuous: the run left tenants in several statuses and durations in several buckets.
    expect(new Set((snapshot.statuses as { status: string }[]).map((s) => s.status)).size).toBeGreaterThan(2);
    expect(snapshot.buckets.length).toBeGreaterThan(5);
  }, 120_000);

  it("stay equal when two clients write the same onboardings at once", async () => {
    const tenants = await Promise.all(
      Array.from({ length: 3 }, (_, i) => db.customerTenant.create({ data: { tenantId: crypto.randomUUID(), displayName: `Concurrent ${i}`, onboarding: { create: { stepEvents: { create: { step: "CONSENT" } } } } }, include: { onboarding: true } })),
    );
    const random = seededRandom(99);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const client = i % 2 ? second : db;
        const onboarding = tenants[i % tenants.length]!.onboarding!;
        return client.onboardingStepEvent.createMany({ data: [{ onboardingId: onboarding.id, step: ONBOARDING_STEPS[Math.floor(random() * 6)]!, enteredAt: new Date(Date.UTC(2026, 10, 1) + Math.floor(random() * 10_000) * 60_000) }] });
      }),
    );
    await Promise.all(tenants.map((t, i) => (i % 2 ? second : db).customerTenant.update({ where: { id: t.id }, data: { healthState: "HEALTHY" } })));
    expect(await kept()).toEqual(await fromScratch());
  }, 120_000);

  it("are backfilled by the migration from the rows that exist", async () => {
    const before = await kept();
    await db.$executeRawUnsafe(`TRUNCATE "OnboardingStepTotal", "OnboardingStepDurationBucket", "TenantStatus", "TenantStatusTotal"`);
    const dir = path.join(process.cwd(), "prisma", "migrations", readdirSync(path.join(process.cwd(), "prisma", "migrations")).find((d) => d.endsWith("_dashboard_aggregates"))!);
    const sql = readFileSync(path.join(dir, "migration.sql"), "utf8");
    const backfill = sql.slice(sql.indexOf("-- ─── Backfill"));
    for (const statement of backfill.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s.replace(/--.*$/gm, "").trim())) await db.$executeRawUnsafe(statement);
    expect(await kept()).toEqual(before);
    expect((before.statuses as unknown[]).length).toBeGreaterThan(0);
  }, 120_000);

  it("count again from nothing after every table was emptied (the end-to-end harness's reset)", async () => {
    await db.$executeRawUnsafe(`TRUNCATE "CustomerTenant", "Onboarding", "OnboardingStepEvent", "KeyReference", "DiskEncryptionSet", "OnboardingStepTotal", "OnboardingStepDurationBucket", "TenantStatus", "TenantStatusTotal" CASCADE`);
    await db.customerTenant.create({ data: { tenantId: crypto.randomUUID(), displayName: "After reset", healthState: "HEALTHY", onboarding: { create: { stepEvents: { create: { step: "CONSENT" } } } } } });
    expect(await db.$queryRaw`SELECT status, tenants FROM "TenantStatusTotal" WHERE tenants <> 0`).toEqual([{ status: "HEALTHY", tenants: 1 }]);
    expect(await db.$queryRaw`SELECT step::text, reached, current FROM "OnboardingStepTotal" WHERE reached <> 0 OR current <> 0`).toEqual([{ step: "CONSENT", reached: 1, current: 1 }]);
  }, 120_000);
});

