// Cross-site request refusal for state-changing route handlers, as Next.js does for server actions: a browser
// sends `Origin` (and `Sec-Fetch-Site`) with every POST/PUT/PATCH/DELETE, so a request another site's page made
// can be told apart from one our own pages made, and refused before it touches a session.

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/**
 * May this request change state? Safe methods always may. Otherwise `Sec-Fetch-Site` must not say cross-site or
 * same-site (a sibling subdomain is another site's code too), and `Origin`, when present, must be the portal's own:
 * the host the request was addressed to (`X-Forwarded-Host`/`Host`) or APP_BASE_URL's. Requests without either
 * header come from non-browser clients, which cannot ride on a victim's cookies.
 */
export function checkRequestOrigin(request: Request, appBaseUrl: string): OriginVerdict {
  if (!STATE_CHANGING.has(request.method.toUpperCase())) return { ok: true };
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite === "cross-site" || fetchSite === "same-site") {
    return { ok: false, reason: `Sec-Fetch-Site is ${fetchSite}` };
  }
  const origin = request.headers.get("origin");
  if (origin === null) return { ok: true };
  const originHost = hostOf(origin);
  const allowed = new Set([hostOf(appBaseUrl), request.headers.get("x-forwarded-host")?.split(",")[0]?.trim(), request.headers.get("host")].filter(Boolean));
  if (originHost && allowed.has(originHost)) return { ok: true };
  return { ok: false, reason: `Origin ${origin === "null" ? "null (a sandboxed or privacy-sensitive context)" : origin} is not this portal` };
}
