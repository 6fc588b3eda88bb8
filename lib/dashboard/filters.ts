// The tenant list's view (search, filters, sort, page) as it lives in the URL, so a view can be shared.
// Pure and browser-safe: the filter bar and the server parse the same way.
export const ONBOARDING_STEPS = ["CONSENT", "KEY_VAULT", "KEY", "ACCESS", "VERIFY", "REVIEW", "SUBMITTED"] as const;
export type OnboardingStepName = (typeof ONBOARDING_STEPS)[number];

/**
 * What an operator means by "health": the tenant's key health once its disk encryption set works, and
 * the provisioning outcome before that (a failed DES matters more than a stale health state).
 */
export const TENANT_STATUSES = ["HEALTHY", "DEGRADED", "KEY_UNREACHABLE", "REVOKED", "PROVISIONING", "FAILED", "UNKNOWN"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const STATUS_LABEL: Record<TenantStatus, string> = {
  HEALTHY: "Healthy",
  DEGRADED: "Degraded",
  KEY_UNREACHABLE: "Key unreachable",
  REVOKED: "Revoked",
  PROVISIONING: "Provisioning",
  FAILED: "Provisioning failed",
  UNKNOWN: "Not checked yet",
};

export const STEP_LABEL: Record<OnboardingStepName, string> = {
  CONSENT: "Consent",
  KEY_VAULT: "Key vault",
  KEY: "Key",
  ACCESS: "Access",
  VERIFY: "Verify",
  REVIEW: "Review",
  SUBMITTED: "Submitted",
};

export const SORT_COLUMNS = ["name", "tenantId", "step", "desState", "health", "vault", "key", "region", "lastCheck", "lastChange"] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export const PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;
/** Upper bound of a search term: longer input cannot be a name, GUID or key URL. */
export const MAX_SEARCH_LENGTH = 200;
/** The "Key expires within 30 days" filter: the first key-expiry reminder (lib/onboarding/expiry-reminders.ts). */
export const KEY_EXPIRING_DAYS = 30;

export type TenantListQuery = {
  q: string;
  step: OnboardingStepName[];
  health: TenantStatus[];
  region: string[];
  /** Only tenants with a key in use that expires within KEY_EXPIRING_DAYS (or has expired). */
  keyExpiring: boolean;
  sort: SortColumn;
  dir: "asc" | "desc";
  page: number;
  pageSize: number;
};

export const DEFAULT_QUERY: TenantListQuery = { q: "", step: [], health: [], region: [], keyExpiring: false, sort: "name", dir: "asc", page: 1, pageSize: DEFAULT_PAGE_SIZE };

const REGION_NAME = /^[a-z0-9]{1,40}$/;

/** Search params (as Next.js passes them, or URLSearchParams) → a valid query; anything invalid falls back to the default. */
export function parseTenantListQuery(input: URLSearchParams | Record<string, string | string[] | undefined>): TenantListQuery {
  const all = (key: string): string[] => {
    const raw = input instanceof URLSearchParams ? input.getAll(key) : [input[key] ?? []].flat();
    return raw.flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean);
  };
  const one = (key: string): string | undefined => all(key)[0];
  const pick = <T extends string>(values: string[], allowed: readonly T[]): T[] => [...new Set(values.filter((v): v is T => (allowed as readonly string[]).includes(v)))];

  const q = (input instanceof URLSearchParams ? input.get("q") : [input.q ?? []].flat()[0]) ?? "";
  const sort = one("sort");
  const pageSize = Number(one("pageSize"));
  const page = Number(one("page"));
  return {
    q: q.trim().slice(0, MAX_SEARCH_LENGTH),
    step: pick(all("step"), ONBOARDING_STEPS),
    health: pick(all("health"), TENANT_STATUSES),
    region: [...new Set(all("region").map((r) => r.toLowerCase()).filter((r) => REGION_NAME.test(r)))],
    keyExpiring: one("keyExpires") === String(KEY_EXPIRING_DAYS),
    sort: (SORT_COLUMNS as readonly string[]).includes(sort ?? "") ? (sort as SortColumn) : DEFAULT_QUERY.sort,
    dir: one("dir") === "desc" ? "desc" : "asc",
    page: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1,
    pageSize: (PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : DEFAULT_PAGE_SIZE,
  };
}

/** The query → URL search params (defaults left out, so shared links stay short). */
export function tenantListSearchParams(query: Partial<TenantListQuery>): URLSearchParams {
  const full = { ...DEFAULT_QUERY, ...query };
  const params = new URLSearchParams();
  if (full.q) params.set("q", full.q);
  if (full.step.length) params.set("step", full.step.join(","));
  if (full.health.length) params.set("health", full.health.join(","));
  if (full.region.length) params.set("region", full.region.join(","));
  if (full.keyExpiring) params.set("keyExpires", String(KEY_EXPIRING_DAYS));
  if (full.sort !== DEFAULT_QUERY.sort) params.set("sort", full.sort);
  if (full.dir !== DEFAULT_QUERY.dir) params.set("dir", full.dir);
  if (full.page !== 1) params.set("page", String(full.page));
  if (full.pageSize !== DEFAULT_QUERY.pageSize) params.set("pageSize", String(full.pageSize));
  return params;
}

/** The filters and sort without paging: what the CSV export of the current view needs. */
export function exportSearchParams(query: TenantListQuery): URLSearchParams {
  return tenantListSearchParams({ ...query, page: 1, pageSize: DEFAULT_PAGE_SIZE });
}

/** Link into the Azure portal for a resource id (opens the resource's blade). */
export function azurePortalUrl(armId: string): string {
  return `https://portal.azure.com/#resource${armId}/overview`;
}
