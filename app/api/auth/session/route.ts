import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { toPublicError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { signIn, signOut } from "@/lib/auth/sign-in";
import { NONCE_COOKIE, SESSION_COOKIE, SESSION_COOKIE_OPTIONS } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { guardRoute } from "@/lib/security/route-guard";
import { requestIdOf, shortReference } from "@/lib/request-id";

const signInBody = z.object({
  area: z.enum(["customer", "staff"]),
  accessToken: z.string().min(20).max(20_000),
  idToken: z.string().min(20).max(20_000),
});

const NO_STORE = { "Cache-Control": "no-store" };

/** Completes sign-in: the browser hands over the tokens MSAL obtained; we verify them and open a session. */
export async function POST(request: Request) {
  const refused = await guardRoute(request, "signin"); if (refused) return refused;
  const requestId = requestIdOf(request);
  const jar = await cookies();
  const parsed = signInBody.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    return NextResponse.json({ error: toPublicError(new AppError("VALIDATION_FAILED", "The sign-in request was incomplete.", { fix: "Start the sign-in again." }), shortReference(requestId)) }, { status: 400, headers: NO_STORE });
  }
  try {
    const { sessionId, absoluteExpiresAt } = await signIn(db(), { ...parsed.data, expectedNonce: jar.get(NONCE_COOKIE)?.value, previousSessionId: jar.get(SESSION_COOKIE)?.value, requestId });
    const response = NextResponse.json({ ok: true }, { headers: NO_STORE });
    response.cookies.set(SESSION_COOKIE, sessionId, { ...SESSION_COOKIE_OPTIONS, expires: absoluteExpiresAt });
    response.cookies.set(NONCE_COOKIE, "", { ...SESSION_COOKIE_OPTIONS, maxAge: 0 });
    return response;
  } catch (error) {
    if (error instanceof AppError) logger.info({ code: error.code, requestId }, "sign-in refused");
    else logger.error({ err: error, requestId }, "sign-in failed");
    const status = error instanceof AppError && error.code === "FORBIDDEN" ? 403 : error instanceof AppError ? 401 : 500;
    const response = NextResponse.json({ error: toPublicError(error, shortReference(requestId)) }, { status, headers: NO_STORE });
    response.cookies.set(NONCE_COOKIE, "", { ...SESSION_COOKIE_OPTIONS, maxAge: 0 });
    return response;
  }
}

/** Sign-out: the session row and its encrypted token cache are deleted, the cookie cleared. */
export async function DELETE(request: Request) {
  const refused = await guardRoute(request, "signin"); if (refused) return refused;
  const jar = await cookies();
  await signOut(db(), jar.get(SESSION_COOKIE)?.value);
  const response = NextResponse.json({ ok: true }, { headers: NO_STORE });
  response.cookies.set(SESSION_COOKIE, "", { ...SESSION_COOKIE_OPTIONS, maxAge: 0 });
  return response;
}
