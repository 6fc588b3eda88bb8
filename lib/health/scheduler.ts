// Which tenants are due for a health check, and queueing them with jitter so thousands of tenants do not all
// hit Azure in the same second. Safe to run in several workers at once: pg-boss keeps one message per tenant
// per interval (singletonKey + singletonSeconds).
import { createHash } from "node:crypto";
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import { HEALTH_SCAN_QUEUE } from "../jobs/queue";

export type HealthScan = { customerTenantId: string };

/** A stable fraction in [0, 1) per tenant: each tenant keeps its own phase within the interval. */
export function tenantPhase(customerTenantId: string): number {
  return createHash("sha256").update(customerTenantId).digest().readUInt32BE(0) / 2 ** 32;
}

/** Due once the last check is older than the interval minus up to 20 % (per-tenant jitter). */
export function isDue(lastCheckAt: Date | null, intervalMs: number, phase: number, now: number): boolean {
  if (!lastCheckAt) return true;
  return now - lastCheckAt.getTime() >= intervalMs * (1 - 0.2 * phase);
}

export async function scheduleHealthChecks(db: Db, boss: PgBoss, options: { intervalMinutes: number; spreadSeconds: number; now?: number; limit?: number }): Promise<number> {
  const now = options.now ?? Date.now();
  const intervalMs = options.intervalMinutes * 60_000;
  const candidates = await db.customerTenant.findMany({
    where: {
      monitored: true,
      diskEncryptionSets: { some: { provisioningState: { in: ["SUCCEEDED", "UPDATING"] } } },
      OR: [{ lastHealthCheckAt: null }, { lastHealthCheckAt: { lt: new Date(now - intervalMs * 0.8) } }],
    },
    select: { id: true, lastHealthCheckAt: true },
    orderBy: { lastHealthCheckAt: { sort: "asc", nulls: "first" } },
    take: options.limit ?? 5000,
  });
  let queued = 0;
  for (const tenant of candidates) {
    const phase = tenantPhase(tenant.id);
    if (!isDue(tenant.lastHealthCheckAt, intervalMs, phase, now)) continue;
    const id = await boss.send(HEALTH_SCAN_QUEUE, { customerTenantId: tenant.id } satisfies HealthScan, {
      singletonKey: tenant.id,
      singletonSeconds: Math.max(1, Math.floor(intervalMs / 1000)),
      startAfter: Math.floor(phase * options.spreadSeconds),
    });
    if (id) queued += 1;
  }
  return queued;
}
