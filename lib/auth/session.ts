// The session as seen from a request: the cookie carries only an opaque id.
import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { db } from "../db/client";
import { loadActiveSession, type SessionUser } from "./session-store";

/**
 * `__Host-` cookies must be Secure, Path=/ and carry no Domain: no subdomain or plain-http page can set or shadow
 * them. Chromium treats http://localhost as a secure context, so they work in local development too.
 */
export const SESSION_COOKIE = "__Host-cmk_session";
export const NONCE_COOKIE = "__Host-cmk_signin_nonce";
/** Set by proxy.ts: the path (and query) the browser asked for, so sign-in can return there. */
export const REQUEST_PATH_HEADER = "x-cmk-path";

/** The signed-in user of this request (looked up once per request). */
export const currentSession = cache(async (): Promise<SessionUser | null> => {
  const sessionId = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!sessionId) return null;
  return loadActiveSession(db(), sessionId);
});

export async function currentSessionId(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}

export async function requestPath(fallback: string): Promise<string> {
  return (await headers()).get(REQUEST_PATH_HEADER) ?? fallback;
}

export const SESSION_COOKIE_OPTIONS = {
  httpOnly: true,
  secure: true,
  sameSite: "lax" as const,
  path: "/",
};
