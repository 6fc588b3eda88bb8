import { NextResponse, type NextRequest } from "next/server";

const PRIVATE_PREFIXES = ["/onboarding", "/status", "/tenants", "/support", "/audit"];

/** Tells pages which path was asked for (sign-in returns there) and keeps private pages out of caches. */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set("x-cmk-path", `${request.nextUrl.pathname}${request.nextUrl.search}`);
  const response = NextResponse.next({ request: { headers } });
  if (PRIVATE_PREFIXES.some((prefix) => request.nextUrl.pathname === prefix || request.nextUrl.pathname.startsWith(`${prefix}/`))) {
    // After sign-out the back button must not show private data from the browser cache.
    response.headers.set("Cache-Control", "no-store, max-age=0");
  }
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/health).*)"],
};
