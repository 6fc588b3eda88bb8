// One ARM write budget for every worker, kept in PostgreSQL. ARM throttles writes with a token bucket per
// subscription, principal and region (bucket 200, refill 10/s: learn.microsoft.com/azure/azure-resource-manager/
// management/request-limits-and-throttling); all workers act as the same managed identity from one region, so they
// share one bucket. Each write first reserves a token in one atomic UPDATE … RETURNING (no read-then-write race):
// the bucket may go into debt, and the reservation says how long to wait until its token exists. That paces the
// whole fleet at ARM's rate without polling. When Azure answers 429 anyway, the bucket is emptied and paused until
// Retry-After, and every worker waits for that pause before its next write.
import type { Db } from "../db/client";
import { serverEnv } from "../env";

/** ARM's documented write bucket per subscription, principal and region (ARM_WRITE_BUCKET_SIZE defaults to it). */
export const ARM_WRITE_BUCKET = 200;

export type ArmWriteBudgetKey = { subscriptionId: string; region: string };
export type ArmWriteBudgetLimits = ArmWriteBudgetKey & { bucketSize: number; refillPerSecond: number };

/** A reserved write token: when it may be used, in the database's clock and as a wait from now. */
export type Reservation = { tokens: number; waitMs: number; usableAt: Date; pausedForMs: number };

export class ArmWriteGate {
  constructor(private readonly db: Db, readonly limits: ArmWriteBudgetLimits) {}

  /**
   * Reserves one write token: refills the bucket for the time since it was last touched (capped at its size),
   * takes one, and returns how long the caller must wait for it (0 while the bucket has tokens; longer while
   * it is in debt or paused).
   */
  async reserve(): Promise<Reservation> {
    const { subscriptionId, region, bucketSize, refillPerSecond } = this.limits;
    for (;;) {
      // clock_timestamp() is read in the SET list, so after the row lock is held: a writer that queued for the lock
      // refills from the previous writer's time, never from before it (refilledAt only moves forward).
      const rows = await this.db.$queryRaw<{ tokens: number; pause_ms: number; at: Date }[]>`
        UPDATE "ArmWriteBudget" AS b
        SET "tokens" = LEAST(${bucketSize}::float8, b."tokens" + GREATEST(0, EXTRACT(EPOCH FROM (clock_timestamp() - b."refilledAt")))::float8 * ${refillPerSecond}::float8) - 1,
            "refilledAt" = GREATEST(clock_timestamp(), b."refilledAt")
        WHERE b."subscriptionId" = ${subscriptionId} AND b."region" = ${region}
        RETURNING b."tokens" AS tokens, b."refilledAt" AS at,
                  GREATEST(0, EXTRACT(EPOCH FROM (COALESCE(b."pausedUntil", b."refilledAt") - b."refilledAt")) * 1000)::float8 AS pause_ms`;
      const row = rows[0];
      if (row) {
        const debtMs = row.tokens < 0 ? (-row.tokens / refillPerSecond) * 1000 : 0;
        const waitMs = Math.max(debtMs, row.pause_ms);
        return { tokens: row.tokens, waitMs: Math.ceil(waitMs), usableAt: new Date(row.at.getTime() + waitMs), pausedForMs: Math.ceil(row.pause_ms) };
      }
      // First write ever for this subscription and region: a full bucket, as ARM starts one.
      await this.db.$executeRaw`
        INSERT INTO "ArmWriteBudget" ("subscriptionId", "region", "tokens", "refilledAt")
        VALUES (${subscriptionId}, ${region}, ${bucketSize}::float8, clock_timestamp())
        ON CONFLICT DO NOTHING`;
    }
  }

  /** Resolves when this caller may send one ARM write; rejects if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const { waitMs, pausedForMs } = await this.reserve();
    if (waitMs === 0) return;
    // The token's own wait; a pause is waited for below, in steps, as it may be lifted or extended meanwhile.
    if (waitMs > pausedForMs) await sleep(waitMs, signal);
    // A 429 elsewhere may have paused the budget while this caller waited for its token. Looked at again every
    // half second at most, so that a pause lifted early (an operator, the benchmark's start) is noticed.
    for (let pause = await this.sharedPauseReading(); pause > 0; pause = await this.sharedPauseReading()) await sleep(Math.min(pause, 500), signal);
  }

  /**
   * pausedForMs, read at most every PAUSE_READING_MS per process for all the writes waiting in it: a pause can
   * hold hundreds of jobs, which should not each ask the database twice a second.
   */
  private async sharedPauseReading(): Promise<number> {
    const key = `${this.limits.subscriptionId}|${this.limits.region}`;
    const readings = pauseReadings.get(this.db) ?? new Map<string, Promise<{ at: number; ms: number }>>();
    pauseReadings.set(this.db, readings);
    let reading = readings.get(key);
    if (!reading || Date.now() - (await reading.catch(() => ({ at: 0 }))).at >= PAUSE_READING_MS) {
      reading = this.pausedForMs().then((ms) => ({ at: Date.now(), ms }));
      readings.set(key, reading);
      reading.catch(() => readings.delete(key));
    }
    const { at, ms } = await reading;
    return Math.max(0, ms - (Date.now() - at));
  }

  /**
   * Azure answered 429: no worker writes until Retry-After has passed. ARM's bucket is empty now, so ours is too, and
   * refills from now, not from its last reservation (debts of waiting reservations are kept: those writes still go,
   * after the pause).
   */
  async pause(retryAfterMs: number): Promise<void> {
    const { subscriptionId, region } = this.limits;
    const ms = Math.max(0, Math.ceil(retryAfterMs));
    await this.db.$executeRaw`
      INSERT INTO "ArmWriteBudget" ("subscriptionId", "region", "tokens", "refilledAt", "pausedUntil")
      VALUES (${subscriptionId}, ${region}, 0, clock_timestamp(), clock_timestamp() + ${ms} * interval '1 millisecond')
      ON CONFLICT ("subscriptionId", "region") DO UPDATE
      SET "tokens" = LEAST("ArmWriteBudget"."tokens", 0),
          "refilledAt" = GREATEST(clock_timestamp(), "ArmWriteBudget"."refilledAt"),
          "pausedUntil" = GREATEST(COALESCE("ArmWriteBudget"."pausedUntil", EXCLUDED."pausedUntil"), EXCLUDED."pausedUntil")`;
  }

  /** Lets writes go again now, whatever pause is set. */
  async resume(): Promise<void> {
    const { subscriptionId, region } = this.limits;
    await this.db.$executeRaw`
      UPDATE "ArmWriteBudget" SET "pausedUntil" = NULL WHERE "subscriptionId" = ${subscriptionId} AND "region" = ${region}`;
  }

  /** How long writes are still paused by a 429 (0 when they are not). */
  async pausedForMs(): Promise<number> {
    const { subscriptionId, region } = this.limits;
    const rows = await this.db.$queryRaw<{ pause_ms: number }[]>`
      SELECT GREATEST(0, EXTRACT(EPOCH FROM ("pausedUntil" - clock_timestamp())) * 1000)::float8 AS pause_ms
      FROM "ArmWriteBudget" WHERE "subscriptionId" = ${subscriptionId} AND "region" = ${region} AND "pausedUntil" IS NOT NULL`;
    return Math.ceil(rows[0]?.pause_ms ?? 0);
  }
}

const PAUSE_READING_MS = 250;
/** The latest pause reading per database client and budget (see sharedPauseReading). */
const pauseReadings = new WeakMap<Db, Map<string, Promise<{ at: number; ms: number }>>>();

/**
 * ARM's documented read bucket per subscription, principal and region: 250, refilled 25 per second. Polls of a
 * long-running operation are reads too, so 200 DES created at once would poll past it within seconds.
 */
export const ARM_READ_LIMITS = { bucketSize: 250, refillPerSecond: 25 } as const;

/**
 * The budget for provisioning's ARM reads (LRO polls, reads of a DES an earlier attempt left), shared by every
 * worker like the write budget, under its own key. Health checks pace their reads on their own (lib/health/
 * scheduler.ts) at half of ARM's read rate, spread over the cycle.
 */
export function providerReadGate(db: Db): ArmWriteGate {
  const env = serverEnv();
  return new ArmWriteGate(db, { subscriptionId: env.PROVIDER_SUBSCRIPTION_ID, region: `${env.ARM_THROTTLE_REGION}/reads`, ...ARM_READ_LIMITS });
}

/** The budget an ARM request of this method draws on: GET from the read budget, every other method from the write budget. */
export function providerArmGate(db: Db, method: string): ArmWriteGate {
  return method.toUpperCase() === "GET" ? providerReadGate(db) : providerWriteGate(db);
}

/** The gate for the provider subscription's writes, with the limits from the environment. */
export function providerWriteGate(db: Db): ArmWriteGate {
  const env = serverEnv();
  return new ArmWriteGate(db, {
    subscriptionId: env.PROVIDER_SUBSCRIPTION_ID,
    region: env.ARM_THROTTLE_REGION,
    bucketSize: env.ARM_WRITE_BUCKET_SIZE,
    refillPerSecond: env.ARM_WRITE_REFILL_PER_SECOND,
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
