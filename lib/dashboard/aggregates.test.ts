// The dashboard's trigger-kept totals, tenant list entries and health changes per hour (migrations
// 20261127174500_dashboard_aggregates, 20261128120000_tenant_list_entries, 20261128121000_health_change_hours)
// against a recomputation from scratch, after random sequences of the writes
// that change them: the onboarding service's own writers (advance, reopen), bulk and out-of-order step events, DES
// and key changes, health changes, renames and deletions, also from two clients at once.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import type { DesProvisioningState, HealthState, OnboardingStep } from "../db/generated/prisma/enums";
import { advanceOnboarding, reopenOnboardingAt } from "../onboarding/progress";
import { seededRandom } from "./demo-seed";
import { DEFAULT_QUERY, KEY_EXPIRING_DAYS, ONBOARDING_STEPS, SORT_COLUMNS, TENANT_STATUSES, type SortColumn, type TenantListQuery } from "./filters";
import { likePattern, listTenants, STATUS_RANK, STATUS_SQL } from "./tenant-list";
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

type Snapshot = { steps: unknown[]; buckets: unknown[]; entries: unknown[]; totals: unknown[]; regions: unknown[]; healthHours: unknown[] };

/** What the triggers keep, as sorted plain rows. */
async function kept(): Promise<Snapshot> {
  return {
    steps: await db.$queryRaw`SELECT step::text, reached, current FROM "OnboardingStepTotal" ORDER BY 1`,
    buckets: await db.$queryRaw`SELECT step::text, bucket, count FROM "OnboardingStepDurationBucket" WHERE count <> 0 ORDER BY step, bucket`,
    entries: await db.$queryRaw`SELECT "customerTenantId"::text AS id, "displayName", "tenantId"::text AS "tenantId", step::text AS step,
        "desState"::text AS "desState", status, "statusRank"::int AS "statusRank", "vaultUri", "keyName", region, regions,
        "keyExpiresAt", "lastHealthChangeAt", "searchText"
      FROM "TenantListEntry" ORDER BY 1`,
    totals: await db.$queryRaw`SELECT status, tenants FROM "TenantStatusTotal" WHERE tenants <> 0 ORDER BY status`,
    regions: await db.$queryRaw`SELECT region, tenants FROM "TenantRegionTotal" WHERE tenants <> 0 ORDER BY region`,
    healthHours: await db.$queryRaw`SELECT hour, "toState"::text AS state, count FROM "HealthChangeHour" WHERE count <> 0 ORDER BY 1, 2`,
  };
}

/**
 * Each tenant as the list defines it, from the source rows: its onboarding, its primary DES (the failed one if any,
 * else the oldest) and the key in use (that DES's key, or before there is a DES the newest key), joined by hash.
 */
const SOURCES_SQL = Prisma.sql`FROM "CustomerTenant" t
    LEFT JOIN "Onboarding" o ON o."customerTenantId" = t.id
    LEFT JOIN (
      SELECT DISTINCT ON (des."customerTenantId") des."customerTenantId", des.id, des.region, des."provisioningState", des."keyReferenceId"
      FROM "DiskEncryptionSet" des ORDER BY des."customerTenantId", (des."provisioningState" = 'FAILED') DESC, des."createdAt", des.id
    ) d ON d."customerTenantId" = t.id
    LEFT JOIN "KeyReference" kd ON kd.id = d."keyReferenceId"
    LEFT JOIN (
      SELECT DISTINCT ON (kr."customerTenantId") kr."customerTenantId", kr."vaultUri", kr."keyName", kr.region
      FROM "KeyReference" kr ORDER BY kr."customerTenantId", kr."createdAt" DESC, kr.id
    ) kn ON kn."customerTenantId" = t.id AND d.id IS NULL`;

const STATUS_RANK_SQL = Prisma.sql`CASE (${STATUS_SQL}) ${Prisma.join(TENANT_STATUSES.map((s) => Prisma.sql`WHEN ${s} THEN ${STATUS_RANK[s]}::int`), " ")} END`;

/** The list's sort columns and filters on the source rows (what the list computed per request before it had entries). */
const REFERENCE_SORT: Record<SortColumn, Prisma.Sql> = {
  name: Prisma.sql`t."displayName"`,
  tenantId: Prisma.sql`t."tenantId"`,
  step: Prisma.sql`o.step`,
  desState: Prisma.sql`d."provisioningState"`,
  health: STATUS_RANK_SQL,
  vault: Prisma.sql`coalesce(kd."vaultUri", kn."vaultUri")`,
  key: Prisma.sql`coalesce(kd."keyName", kn."keyName")`,
  region: Prisma.sql`coalesce(d.region, o.region, kd.region, kn.region)`,
  lastCheck: Prisma.sql`t."lastHealthCheckAt"`,
  lastChange: Prisma.sql`t."lastHealthChangeAt"`,
};

async function referenceList(query: TenantListQuery): Promise<{ ids: string[]; total: number }> {
  const conditions: Prisma.Sql[] = [];
  if (query.q) {
    const pattern = likePattern(query.q.toLowerCase());
    conditions.push(Prisma.sql`(lower(t."displayName") LIKE ${pattern} OR t."tenantId"::text LIKE ${pattern}
      OR t.id IN (SELECT kr."customerTenantId" FROM "KeyReference" kr WHERE lower(kr."keyUrl") LIKE ${pattern} OR lower(kr."vaultResourceId") LIKE ${pattern}))`);
  }
  if (query.step.length) conditions.push(Prisma.sql`o.step::text IN (${Prisma.join(query.step)})`);
  if (query.health.length) conditions.push(Prisma.sql`(${STATUS_SQL}) IN (${Prisma.join(query.health)})`);
  if (query.keyExpiring) {
    conditions.push(Prisma.sql`t.id IN (SELECT de."customerTenantId" FROM "DiskEncryptionSet" de JOIN "KeyReference" ke ON ke.id = de."keyReferenceId"
      WHERE ke."expiresAt" <= now() + make_interval(days => ${KEY_EXPIRING_DAYS}::int))`);
  }
  if (query.region.length) {
    conditions.push(Prisma.sql`(t.id IN (SELECT dr."customerTenantId" FROM "DiskEncryptionSet" dr WHERE dr.region IN (${Prisma.join(query.region)}))
      OR (d.id IS NULL AND coalesce(o.region, kn.region) IN (${Prisma.join(query.region)})))`);
  }
  const where = conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
  const dir = query.dir === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const rows = await db.$queryRaw<{ id: string; total: bigint }[]>`SELECT t.id::text AS id, count(*) OVER () AS total ${SOURCES_SQL} ${where}
    ORDER BY ${REFERENCE_SORT[query.sort]} ${dir} NULLS LAST, t.id ${dir}`;
  const offset = (query.page - 1) * query.pageSize;
  return { ids: rows.slice(offset, offset + query.pageSize).map((r) => r.id), total: rows.length };
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
    entries: await db.$queryRaw`SELECT t.id::text AS id, t."displayName", t."tenantId"::text AS "tenantId", o.step::text AS step,
        d."provisioningState"::text AS "desState", (${STATUS_SQL}) AS status, ${STATUS_RANK_SQL} AS "statusRank",
        coalesce(kd."vaultUri", kn."vaultUri") AS "vaultUri", coalesce(kd."keyName", kn."keyName") AS "keyName",
        coalesce(d.region, o.region, kd.region, kn.region) AS region,
        CASE WHEN d.id IS NULL THEN array_remove(ARRAY[coalesce(o.region, kn.region)], NULL)
          ELSE ARRAY(SELECT des.region FROM "DiskEncryptionSet" des WHERE des."customerTenantId" = t.id ORDER BY 1) END AS regions,
        (SELECT min(k."expiresAt") FROM "DiskEncryptionSet" des JOIN "KeyReference" k ON k.id = des."keyReferenceId" WHERE des."customerTenantId" = t.id) AS "keyExpiresAt",
        t."lastHealthChangeAt",
        lower(t."displayName") || E'\n' || t."tenantId"::text
          || coalesce((SELECT string_agg(E'\n' || lower(k."keyUrl") || E'\n' || lower(k."vaultResourceId"), '' ORDER BY k.id) FROM "KeyReference" k WHERE k."customerTenantId" = t.id), '') AS "searchText"
      ${SOURCES_SQL} ORDER BY 1`,
    totals: await db.$queryRaw`SELECT (${STATUS_SQL}) AS status, count(*)::int AS tenants ${SOURCES_SQL} GROUP BY 1 ORDER BY 1`,
    regions: await db.$queryRaw`SELECT region, count(DISTINCT customer)::int AS tenants FROM (
        SELECT des.region, des."customerTenantId" AS customer FROM "DiskEncryptionSet" des
        UNION ALL SELECT coalesce(o.region, kn.region), t.id ${SOURCES_SQL} WHERE d.id IS NULL
      ) r WHERE region IS NOT NULL GROUP BY 1 ORDER BY 1`,
    healthHours: await db.$queryRaw`SELECT date_trunc('hour', "occurredAt") AS hour, "toState"::text AS state, count(*)::int AS count FROM "HealthEvent" GROUP BY 1, 2 ORDER BY 1, 2`,
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
  } else if (roll < 0.865) {
    // Health events: several in one statement, one moved in time or state, or one deleted.
    const at = () => new Date(Date.UTC(2026, 10, 1) + Math.floor(random() * 3 * 86_400_000));
    const events = await db.healthEvent.findMany({ where: { customerTenantId: tenant.id }, select: { id: true } });
    const action = random();
    if (events.length === 0 || action < 0.6) {
      await db.healthEvent.createMany({ data: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ customerTenantId: tenant.id, fromState: pick(HEALTH), toState: pick(HEALTH), occurredAt: at() })) });
    } else if (action < 0.85) {
      await db.healthEvent.update({ where: { id: pick(events).id }, data: random() < 0.5 ? { occurredAt: at() } : { toState: pick(HEALTH) } });
    } else {
      await db.healthEvent.delete({ where: { id: pick(events).id } });
    }
  } else if (roll < 0.88) {
    // Many tenants in one statement, as a bulk change would.
    await db.customerTenant.updateMany({ where: { id: { in: tenants.filter(() => random() < 0.3).map((t) => t.id) } }, data: { healthState: pick(HEALTH), lastHealthCheckAt: new Date(), lastHealthChangeAt: random() < 0.5 ? new Date(Date.UTC(2026, 10, 1) + Math.floor(random() * 1000) * 60_000) : null } });
  } else if (roll < 0.9) {
    await db.customerTenant.update({ where: { id: tenant.id }, data: random() < 0.5 ? { displayName: `Renamed ${++counter.n}` } : { lastHealthCheckAt: new Date() } });
  } else if (roll < 0.92 && onboarding) {
    await db.onboarding.update({ where: { id: onboarding.id }, data: { region: random() < 0.2 ? null : pick(REGIONS) } });
  } else if (roll < 0.97) {
    // A key connected, changed (expiry, or moved to another vault) or taken into use by a DES.
    const keys = tenant.keyReferences;
    const action = random();
    if (keys.length === 0 || action < 0.2) {
      const n = ++counter.n;
      await db.keyReference.create({ data: { customerTenantId: tenant.id, vaultResourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/KV${n}`, vaultUri: `https://kv${n}.vault.azure.net`, keyName: `key-${n}`, keyVersion: "1", keyUrl: `https://kv${n}.vault.azure.net/keys/key-${n}/1`, keyType: "RSA", permissionModel: "RBAC", region: pick(REGIONS), createdAt: new Date(Date.UTC(2026, 10, 1) + Math.floor(random() * 1000) * 60_000) } });
    } else if (action < 0.6) {
      await db.keyReference.updateMany({ where: { customerTenantId: { in: tenants.filter((t) => t.diskEncryptionSets.length > 0 && random() < 0.5).map((t) => t.id) } }, data: { expiresAt: random() < 0.2 ? null : new Date(Date.now() + Math.floor(random() * 60) * 86_400_000) } });
    } else if (action < 0.8) {
      const n = ++counter.n;
      await db.keyReference.update({ where: { id: pick(keys).id }, data: { vaultUri: `https://moved${n}.vault.azure.net`, keyName: `moved-${n}`, keyUrl: `https://moved${n}.vault.azure.net/keys/moved-${n}/2`, region: pick(REGIONS) } });
    } else if (tenant.diskEncryptionSets.length > 0) {
      await db.diskEncryptionSet.update({ where: { id: pick(tenant.diskEncryptionSets).id }, data: { keyReferenceId: pick(keys).id } });
    }
  } else {
    // Deleting the tenant cascades to its onboarding, events and DES.
    await db.customerTenant.delete({ where: { id: tenant.id } });
  }
}

/** The statements after the "Backfill" heading of the migration whose name ends with `suffix`. */
function backfillStatements(suffix: string): string[] {
  const migrations = path.join(process.cwd(), "prisma", "migrations");
  const sql = readFileSync(path.join(migrations, readdirSync(migrations).find((d) => d.endsWith(suffix))!, "migration.sql"), "utf8");
  return sql
    .slice(sql.indexOf("-- ─── Backfill"))
    .split(/;\s*\n/)
    .map((s) => s.replace(/^--.*$/gm, "").trim())
    .filter(Boolean);
}

describe("dashboard aggregates kept by triggers", () => {
  it.each([1, 2, 3])("equal a recomputation from scratch after 150 random writes (seed %i)", async (seed) => {
    const random = seededRandom(seed);
    const counter = { n: seed * 1000 };
    for (let i = 0; i < 150; i++) await randomWrite(random, counter);
    const snapshot = await kept();
    expect(snapshot).toEqual(await fromScratch());
    // Not vacuous: the run left tenants in several statuses and durations in several buckets.
    const entries = snapshot.entries as { status: string; regions: string[]; searchText: string }[];
    expect(new Set(entries.map((e) => e.status)).size).toBeGreaterThan(2);
    expect([entries.some((e) => e.regions.length > 1), entries.some((e) => e.searchText.includes("/keys/")), snapshot.healthHours.length > 3]).toEqual([true, true, true]);
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
    // Keys and DES rows of the same tenants from both clients at once: each statement changes the entry of the same tenant.
    const keys = await Promise.all(tenants.map((t) => db.keyReference.create({ data: { customerTenantId: t.id, vaultResourceId: "/v", vaultUri: "https://kv.vault.azure.net", keyName: "k", keyVersion: "1", keyUrl: `https://kv.vault.azure.net/keys/k/${t.id}`, keyType: "RSA", permissionModel: "RBAC", region: "westeurope" } })));
    await Promise.all(
      Array.from({ length: 36 }, (_, i) => {
        const client = i % 2 ? second : db;
        const t = tenants[Math.floor(i / 3) % tenants.length]!;
        const key = keys[Math.floor(i / 3) % tenants.length]!;
        const region = REGIONS[Math.floor(i / 9) % REGIONS.length]!;
        if (i % 3 === 0) return client.keyReference.update({ where: { id: key.id }, data: { expiresAt: new Date(Date.UTC(2026, 11, 1) + i * 86_400_000), region } });
        if (i % 3 === 1) {
          return i % 4 === 1
            ? client.diskEncryptionSet.createMany({ data: [{ customerTenantId: t.id, region, name: `des-${i}`, provisioningState: DES_STATES[i % DES_STATES.length]!, keyReferenceId: key.id }], skipDuplicates: true })
            : client.diskEncryptionSet.updateMany({ where: { customerTenantId: t.id }, data: { provisioningState: DES_STATES[i % DES_STATES.length]! } });
        }
        return client.customerTenant.update({ where: { id: t.id }, data: { displayName: `Concurrent ${i}`, healthState: HEALTH[i % HEALTH.length]!, lastHealthChangeAt: new Date() } });
      }),
    );
    const snapshot = await kept();
    expect(snapshot).toEqual(await fromScratch());
    expect((snapshot.entries as { keyExpiresAt: Date | null }[]).filter((e) => e.keyExpiresAt !== null).length).toBeGreaterThan(0);
  }, 120_000);

  it("stay equal when health changes of several tenants are recorded at once", async () => {
    const tenants = await db.customerTenant.findMany({ take: 4, orderBy: { id: "asc" }, select: { id: true } });
    const hour = new Date(Date.UTC(2026, 10, 20, 9));
    // As lib/health/service.ts and lib/support/revocation.ts do: the tenant, then its event, in one transaction.
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const client = i % 2 ? second : db;
        const customerTenantId = tenants[i % tenants.length]!.id;
        const toState = HEALTH[i % HEALTH.length]!;
        const at = new Date(hour.getTime() + i * 60_000);
        return client.$transaction([
          client.customerTenant.update({ where: { id: customerTenantId }, data: { healthState: toState, lastHealthChangeAt: at } }),
          client.healthEvent.create({ data: { customerTenantId, fromState: "HEALTHY", toState, occurredAt: at } }),
        ]);
      }),
    );
    expect(await kept()).toEqual(await fromScratch());
  }, 120_000);

  it("give the list the same pages and counts as its definition on the source rows", async () => {
    const entries = await db.$queryRaw<{ displayName: string; tenantId: string; searchText: string }[]>`SELECT "displayName", "tenantId"::text AS "tenantId", "searchText" FROM "TenantListEntry" ORDER BY "customerTenantId"`;
    const sample = entries[Math.floor(entries.length / 2)]!;
    const keyUrl = entries.map((e) => e.searchText.split("\n")[2]).find(Boolean)!;
    const queries: Partial<TenantListQuery>[] = [
      ...SORT_COLUMNS.flatMap((sort) => [{ sort }, { sort, dir: "desc" as const }, { sort, dir: "desc" as const, page: 2, pageSize: 25 }]),
      ...TENANT_STATUSES.map((status) => ({ health: [status] })),
      { health: ["DEGRADED", "KEY_UNREACHABLE", "REVOKED"], sort: "lastChange", dir: "desc" },
      { step: ["ACCESS", "VERIFY"] },
      { step: ["SUBMITTED"], health: ["HEALTHY", "PROVISIONING"], sort: "region" },
      ...REGIONS.map((region) => ({ region: [region], sort: "health" as const, dir: "desc" as const })),
      { region: ["eastus", "northeurope"], sort: "key" },
      { keyExpiring: true },
      { keyExpiring: true, region: ["westeurope"], sort: "vault", dir: "desc" },
      { q: sample.displayName.slice(2, 7).toUpperCase() },
      { q: sample.tenantId.slice(0, 8), sort: "lastCheck" },
      { q: keyUrl.slice(8, 30), sort: "step" },
      { q: "/keys/", sort: "desState", dir: "desc", pageSize: 25, page: 2 },
      { q: "%" },
      // A term across two parts of the search text (name, then tenant id) matches nothing.
      { q: `${sample.displayName.toLowerCase().slice(-3)}\n${sample.tenantId.slice(0, 4)}` },
      { page: 3, pageSize: 25 },
    ];
    let matched = 0;
    for (const over of queries) {
      const query = { ...DEFAULT_QUERY, ...over };
      const page = await listTenants(db, query);
      const expected = await referenceList(query);
      expect({ ids: page.rows.map((r) => r.id), total: page.total }, JSON.stringify(over)).toEqual(expected);
      if (expected.ids.length > 0) matched++;
    }
    expect(matched).toBeGreaterThan(queries.length * 0.7);
  }, 120_000);

  it("rank every status in SQL as the list's STATUS_RANK does", async () => {
    for (const status of TENANT_STATUSES) expect((await db.$queryRaw<{ rank: number }[]>`SELECT tenant_status_rank(${status})::int AS rank`)[0]!.rank, status).toBe(STATUS_RANK[status]);
  });

  it("are backfilled by the migrations from the rows that exist", async () => {
    const before = await kept();
    await db.$executeRawUnsafe(`TRUNCATE "OnboardingStepTotal", "OnboardingStepDurationBucket", "TenantListEntry", "TenantStatusTotal", "TenantRegionTotal", "HealthChangeHour"`);
    // The funnel's backfill from the first migration (its status backfill was replaced by the second's).
    const funnel = backfillStatements("_dashboard_aggregates").filter((statement) => statement.startsWith('INSERT INTO "OnboardingStep'));
    expect(funnel).toHaveLength(2);
    for (const statement of [...funnel, ...backfillStatements("_tenant_list_entries"), ...backfillStatements("_health_change_hours")]) await db.$executeRawUnsafe(statement);
    expect(await kept()).toEqual(before);
    expect((before.entries as unknown[]).length).toBeGreaterThan(0);
  }, 120_000);

  it("count again from nothing after every table was emptied (the end-to-end harness's reset)", async () => {
    await db.$executeRawUnsafe(`TRUNCATE "CustomerTenant", "Onboarding", "OnboardingStepEvent", "KeyReference", "DiskEncryptionSet", "OnboardingStepTotal", "OnboardingStepDurationBucket", "TenantListEntry", "TenantStatusTotal", "TenantRegionTotal" CASCADE`);
    await db.customerTenant.create({ data: { tenantId: crypto.randomUUID(), displayName: "After reset", healthState: "HEALTHY", onboarding: { create: { stepEvents: { create: { step: "CONSENT" } } } } } });
    expect(await db.$queryRaw`SELECT status, tenants FROM "TenantStatusTotal" WHERE tenants <> 0`).toEqual([{ status: "HEALTHY", tenants: 1 }]);
    expect(await db.$queryRaw`SELECT step::text, reached, current FROM "OnboardingStepTotal" WHERE reached <> 0 OR current <> 0`).toEqual([{ step: "CONSENT", reached: 1, current: 1 }]);
  }, 120_000);
});

