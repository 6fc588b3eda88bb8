// The provider readiness check for the dashboard's banner. The check itself calls Azure, so the dashboard
// never waits on it per render: the last result is kept in this process, refreshed in the background once
// it is older than a few minutes; a page render waits at most briefly for a check already under way.
import { logger } from "../logger";
import { checkProviderReadiness, type ReadinessReport } from "../provisioning/readiness";

export type DashboardReadiness = ReadinessReport | { ok: false; unavailable: true; checkedAt: Date };

export const READINESS_FRESH_MS = 5 * 60_000;
const RENDER_WAIT_MS = 2_000;

type Check = () => Promise<ReadinessReport>;
type State = { last?: DashboardReadiness; lastAt?: number; running?: Promise<DashboardReadiness> };

export function createReadinessCache(check: Check, options: { freshMs?: number; waitMs?: number; now?: () => number } = {}) {
  const freshMs = options.freshMs ?? READINESS_FRESH_MS;
  const waitMs = options.waitMs ?? RENDER_WAIT_MS;
  const now = options.now ?? Date.now;
  const state: State = {};

  function refresh(): Promise<DashboardReadiness> {
    state.running ??= check()
      .catch((error: unknown): DashboardReadiness => {
        logger.warn({ err: error }, "provider readiness check failed to run");
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
  return async function current(): Promise<DashboardReadiness | null> {
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

/** The dashboard's cache of the real check (one per server process). */
export const providerReadinessForDashboard = createReadinessCache(() => checkProviderReadiness());
