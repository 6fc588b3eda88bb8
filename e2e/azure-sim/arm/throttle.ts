/**
 * ARM's own request throttle, as Azure documents it since 2024
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling):
 * a token bucket per subscription (or tenant), per security principal and per operation type, applied per
 * region — the simulator is one region. Reads: bucket 250, refill 25/s; writes and deletes: bucket 200,
 * refill 10/s. A request that finds its bucket empty is answered 429 with Retry-After (whole seconds until a
 * token is back) and never reaches the resource provider. Every answer carries the tokens left in the
 * `x-ms-ratelimit-remaining-{subscription|tenant}-{reads|writes|deletes}` header.
 */

export type ArmOperationKind = 'reads' | 'writes' | 'deletes';
export const ARM_OPERATION_KINDS: readonly ArmOperationKind[] = ['reads', 'writes', 'deletes'];

export interface TokenBucketLimit { bucketSize: number; refillPerSecond: number }
/** Per operation kind; `enabled: false` turns the throttle off (the simulator then answers every request). */
export interface ArmThrottleSettings { enabled: boolean; reads: TokenBucketLimit; writes: TokenBucketLimit; deletes: TokenBucketLimit }

/** Azure's published limits (subscription and tenant scope alike). */
export const AZURE_ARM_THROTTLE: ArmThrottleSettings = {
  enabled: true,
  reads: { bucketSize: 250, refillPerSecond: 25 },
  writes: { bucketSize: 200, refillPerSecond: 10 },
  deletes: { bucketSize: 200, refillPerSecond: 10 },
};

export function operationKind(method: string): ArmOperationKind {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'reads';
  return m === 'DELETE' ? 'deletes' : 'writes';
}

/** Validates a partial update (control API input) and merges it over `current`. */
export function mergeThrottleSettings(current: ArmThrottleSettings, input: unknown): ArmThrottleSettings {
  if (typeof input !== 'object' || input === null) throw new Error('ARM throttle settings must be an object such as {"writes":{"bucketSize":200,"refillPerSecond":10}} or {"enabled":false}.');
  const raw = input as Record<string, unknown>;
  const next: ArmThrottleSettings = { ...current, reads: { ...current.reads }, writes: { ...current.writes }, deletes: { ...current.deletes } };
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') throw new Error('enabled must be true or false.');
    next.enabled = raw.enabled;
  }
  for (const kind of ARM_OPERATION_KINDS) {
    const limit = raw[kind];
    if (limit === undefined) continue;
    if (typeof limit !== 'object' || limit === null) throw new Error(`${kind} must be an object {bucketSize, refillPerSecond}.`);
    const { bucketSize, refillPerSecond } = limit as Record<string, unknown>;
    if (bucketSize !== undefined) {
      if (typeof bucketSize !== 'number' || !Number.isInteger(bucketSize) || bucketSize < 1) throw new Error(`${kind}.bucketSize must be a whole number of at least 1.`);
      next[kind].bucketSize = bucketSize;
    }
    if (refillPerSecond !== undefined) {
      if (typeof refillPerSecond !== 'number' || !(refillPerSecond > 0)) throw new Error(`${kind}.refillPerSecond must be a number above 0.`);
      next[kind].refillPerSecond = refillPerSecond;
    }
  }
  return next;
}

export type ThrottleDecision = { allowed: true; remaining: number } | { allowed: false; remaining: 0; retryAfterSeconds: number };

/** The buckets themselves (in memory: the simulator is one process, as one ARM region is one throttle). */
export class ArmThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly settings: () => ArmThrottleSettings) {}

  /** Takes one token from the bucket of (scope, principal, kind), refilled for the time since it was last touched. */
  take(scope: string, principalId: string, kind: ArmOperationKind, now = Date.now()): ThrottleDecision {
    const settings = this.settings();
    const limit = settings[kind];
    if (!settings.enabled) return { allowed: true, remaining: limit.bucketSize };
    const key = `${scope.toLowerCase()}|${principalId}|${kind}`;
    const bucket = this.buckets.get(key) ?? { tokens: limit.bucketSize, at: now };
    bucket.tokens = Math.min(limit.bucketSize, bucket.tokens + ((now - bucket.at) / 1000) * limit.refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.refillPerSecond)) };
  }
}
