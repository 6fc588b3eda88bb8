import { NextResponse, type NextRequest } from "next/server";
import { serverEnv } from "./lib/env";
import { acceptRequestId, REQUEST_ID_HEADER } from "./lib/request-id";
import { isHttpsRequest, newNonce, securityHeaders } from "./lib/security/headers";

const PRIVATE_PREFIXES = ["/onboarding", "/status", "/tenants", "/support", "/audit", "/bench"];

/**
 * Tells pages which path was asked for (sign-in returns there), keeps private pages out of caches, sets the request
 * id (the platform's when sane, else a new one; on the request for server code, on the response so a reference shown
 * to the user can be matched to the logs), and the security headers: a per-request nonce CSP (Next.js reads the
 * nonce from the request's CSP header and puts it on its scripts), Permissions-Policy, and HSTS over HTTPS.
 */
export function proxy(request: NextRequest) {
  const env = serverEnv();
  const security = securityHeaders({
    nonce: newNonce(),
    authorityOrigins: [new URL(env.AZURE_AUTHORITY_HOST).origin],
    https: isHttpsRequest(request.nextUrl, request.headers.get("x-forwarded-proto"), env.APP_BASE_URL),
    development: env.NODE_ENV === "development",
  });
  const requestId = acceptRequestId(request.headers.get(REQUEST_ID_HEADER));
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  headers.set("x-cmk-path", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  headers.set("Content-Security-Policy", security["Content-Security-Policy"]);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set(REQUEST_ID_HEADER, requestId);
  for (const [name, value] of Object.entries(security)) if (value) response.headers.set(name, value);
  if (PRIVATE_PREFIXES.some((prefix) => request.nextUrl.pathname === prefix || request.nextUrl.pathname.startsWith(`${prefix}/`))) {
    // After sign-out the back button must not show private data from the browser cache.
    response.headers.set("Cache-Control", "no-store, max-age=0");
  }
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/health).*)"],
};
