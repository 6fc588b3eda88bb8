// Slow checks shown on dashboards (provider readiness calls Azure; the audit chain walks every event): a page
// never waits on them per render. The last result is kept in this process and refreshed in the background
// once it is older than a few minutes; a render waits at most briefly for a check already under way.
import { logger } from "../logger";
import { checkProviderReadiness, type ReadinessReport } from "../provisioning/readiness";
import { auditChainCheckAtMostEvery, type StoredAuditChainCheck } from "../audit/chain-status";
import { db } from "../db/client";
import { serverEnv } from "../env";

export type Unavailable = { ok: false; unavailable: true; checkedAt: Date };
export type DashboardReadiness = ReadinessReport | Unavailable;
export type DashboardAuditChain = StoredAuditChainCheck | Unavailable;

export const READINESS_FRESH_MS = 5 * 60_000;
const RENDER_WAIT_MS = 2_000;

type State<T> = { last?: T | Unavailable; lastAt?: number; running?: Promise<T | Unavailable> };

export function createBackgroundCache<T>(check: () => Promise<T>, options: { freshMs?: number; waitMs?: number; now?: () => number; name?: string } = {}) {
  const freshMs = options.freshMs ?? READINESS_FRESH_MS;
  const waitMs = options.waitMs ?? RENDER_WAIT_MS;
  const now = options.now ?? Date.now;
  const state: State<T> = {};

  function refresh(): Promise<T | Unavailable> {
    state.running ??= check()
      .catch((error: unknown): Unavailable => {
        logger.warn({ err: error, check: options.name }, "dashboard check failed to run");
        return { ok: false, unavailable: true, checkedAt: new Date(now()) };
      })
      .then((result) => {
        state.last = result;
        state.lastAt = now();
        state.running = undefined;
        return result;
      });
    return state.running;
  }

  /** The latest known result (null before the first check finishes); starts a refresh when stale. */
  return async function current(): Promise<T | Unavailable | null> {
    const stale = state.lastAt === undefined || now() - state.lastAt > freshMs;
    if (!stale) return state.last ?? null;
    const running = refresh();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
    try {
      return (await Promise.race([running, timeout])) ?? state.last ?? null;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The dashboard's caches of the real checks (one per server process). */
export const providerReadinessForDashboard = createBackgroundCache(() => checkProviderReadiness(), { name: "provider readiness" });
// The chain walk itself runs at most every few minutes across all processes (its result and time are stored);
// this process only re-reads that stored result every minute.
export const auditChainForDashboard = createBackgroundCache(
  () => auditChainCheckAtMostEvery(db(), { key: serverEnv().AUDIT_SIGNING_KEY, checkpointDir: serverEnv().AUDIT_CHECKPOINT_DIR, freshMs: READINESS_FRESH_MS }),
  { name: "audit chain", freshMs: 60_000 },
);
