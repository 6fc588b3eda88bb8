import { NextResponse, type NextRequest } from "next/server";
import { db } from "@/lib/db/client";
import { currentSession } from "@/lib/auth/session";
import { completeAdminConsent, ConsentError } from "@/lib/consent/service";
import { logger } from "@/lib/logger";
import { serverEnv } from "@/lib/env";
import { guardRoute } from "@/lib/security/route-guard";

/** Entra's redirect after admin consent (fixed redirect URI). */
export async function GET(request: NextRequest) {
  const refused = await guardRoute(request, "consent"); if (refused) return refused;
  const user = await currentSession();
  // The portal's public URL, not the request's: behind a proxy or in the standalone server (HOSTNAME 0.0.0.0) the
  // request URL names the listening address, and the session cookie would not be sent there.
  const to = (path: string) => NextResponse.redirect(new URL(path, serverEnv().APP_BASE_URL), { headers: { "Cache-Control": "no-store" } });
  if (!user || user.kind !== "CUSTOMER") {
    return to(`/signin?${new URLSearchParams({ area: "customer", returnTo: "/onboarding/consent", reason: "expired" })}`);
  }
  const query = Object.fromEntries(request.nextUrl.searchParams.entries());
  try {
    await completeAdminConsent(db(), user, query);
    return to("/onboarding/vault");
  } catch (error) {
    if (error instanceof ConsentError) return to(`/onboarding/consent?problem=${error.problem}`);
    logger.error({ err: error }, "admin consent callback failed");
    return to("/onboarding/consent?problem=failed");
  }
}
