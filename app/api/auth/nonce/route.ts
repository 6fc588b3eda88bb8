import { NextResponse } from "next/server";
import { db } from "@/lib/db/client";
import { NONCE_COOKIE, SESSION_COOKIE_OPTIONS } from "@/lib/auth/session";
import { issueSignInNonce, SIGN_IN_NONCE_TTL_SECONDS } from "@/lib/auth/sign-in-nonce";
import { guardRoute } from "@/lib/security/route-guard";

/**
 * A fresh nonce for one sign-in; the ID token must carry it back. The cookie binds it to this browser, the
 * server-side row makes it single-use with a TTL.
 */
export async function POST(request: Request) {
  const refused = await guardRoute(request, "signin"); if (refused) return refused;
  const nonce = await issueSignInNonce(db());
  const response = NextResponse.json({ nonce }, { headers: { "Cache-Control": "no-store" } });
  response.cookies.set(NONCE_COOKIE, nonce, { ...SESSION_COOKIE_OPTIONS, maxAge: SIGN_IN_NONCE_TTL_SECONDS });
  return response;
}
