// Spreading health checks over the cycle: every tenant has a stable slot within HEALTH_CHECK_INTERVAL_MINUTES
// (its phase, from its random id), so 10,000 tenants are checked at an even ~11 per second over 15 minutes
// instead of in one burst against ARM's read budget. The fleet's health sweep (a scheduled task, once a
// minute for all workers) queues the tenants whose slot falls in the next minute, each message starting at
// its slot. A message's id is derived from tenant and slot, so queueing a window twice queues nothing new.
import type PgBoss from "pg-boss";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { HEALTH_SCAN_QUEUE, QUEUE_SCHEMA } from "../jobs/queue";
import { derivedUuid } from "../jobs/schedules";

export type HealthScan = { customerTenantId: string };

/**
 * A stable fraction in [0, 1) per tenant: the first 32 bits of its id (a random v4 UUID, so phases are
 * uniform). The same formula runs in SQL (PHASE_SQL) so the database picks a window's tenants itself.
 */
export function tenantPhase(customerTenantId: string): number {
  return Number.parseInt(customerTenantId.replaceAll("-", "").slice(0, 8), 16) / 2 ** 32;
}

/** The tenant's slot in the cycle that starts at `cycleStart`. */
export function slotTime(customerTenantId: string, cycleStart: number, intervalMs: number): number {
  return cycleStart + Math.floor(tenantPhase(customerTenantId) * intervalMs);
}

/** A queue message id per tenant and slot. */
export function scanMessageId(customerTenantId: string, slot: number): string {
  return derivedUuid(`health:${customerTenantId}@${slot}`);
}

type PhaseRange = { from: number; to: number; cycleStart: number };

/** The window [from, to) as phase ranges within cycles (two when it crosses a cycle boundary). */
export function phaseRanges(from: number, to: number, intervalMs: number): PhaseRange[] {
  if (to - from > intervalMs) throw new Error("A health scheduling window cannot be longer than the health interval.");
  const ranges: PhaseRange[] = [];
  let start = from;
  while (start < to) {
    const cycleStart = Math.floor(start / intervalMs) * intervalMs;
    const end = Math.min(to, cycleStart + intervalMs);
    ranges.push({ from: (start - cycleStart) / intervalMs, to: (end - cycleStart) / intervalMs, cycleStart });
    start = end;
  }
  return ranges;
}

/**
 * Queues a health check for every monitored tenant with a live DES whose slot lies in [from, to), starting at
 * that slot. Returns how many messages were new (a window queued before adds none).
 */
export async function queueHealthChecksInWindow(db: Db, boss: PgBoss, options: { intervalMinutes: number; from: number; to: number }): Promise<number> {
  const intervalMs = options.intervalMinutes * 60_000;
  let queued = 0;
  for (const range of phaseRanges(options.from, options.to, intervalMs)) {
    const tenants = await db.$queryRaw<{ id: string }[]>`
      SELECT t.id::text AS id FROM "CustomerTenant" t
      WHERE t.monitored
        AND ('x' || left(replace(t.id::text, '-', ''), 8))::bit(32)::bigint / 4294967296.0 >= ${range.from}
        AND ('x' || left(replace(t.id::text, '-', ''), 8))::bit(32)::bigint / 4294967296.0 < ${range.to}
        AND EXISTS (SELECT 1 FROM "DiskEncryptionSet" d WHERE d."customerTenantId" = t.id AND d."provisioningState" IN ('SUCCEEDED', 'UPDATING'))`;
    if (tenants.length === 0) continue;
    const messages = tenants.map(({ id }) => {
      const slot = slotTime(id, range.cycleStart, intervalMs);
      return { id: scanMessageId(id, slot), name: HEALTH_SCAN_QUEUE, data: { customerTenantId: id } satisfies HealthScan, startAfter: new Date(slot).toISOString() };
    });
    const before = await countQueued(db, messages.map((m) => m.id));
    await boss.insert(messages);
    queued += (await countQueued(db, messages.map((m) => m.id))) - before;
  }
  return queued;
}

async function countQueued(db: Db, ids: string[]): Promise<number> {
  const [row] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM ${Prisma.raw(`"${QUEUE_SCHEMA}"`)}.job WHERE name = ${HEALTH_SCAN_QUEUE} AND id = ANY(${ids}::uuid[])`;
  return Number(row?.n ?? 0);
}
