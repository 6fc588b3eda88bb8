import { randomBytes } from "node:crypto";
import { NextResponse } from "next/server";
import { NONCE_COOKIE, SESSION_COOKIE_OPTIONS } from "@/lib/auth/session";

/** A fresh nonce for one sign-in; the ID token must carry it back (binds the token to this browser). */
export async function POST() {
  const nonce = randomBytes(24).toString("base64url");
  const response = NextResponse.json({ nonce }, { headers: { "Cache-Control": "no-store" } });
  response.cookies.set(NONCE_COOKIE, nonce, { ...SESSION_COOKIE_OPTIONS, maxAge: 600 });
  return response;
}
