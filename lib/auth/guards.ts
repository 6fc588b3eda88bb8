// Server-side gate of every page area: who is signed in, of which kind, with which roles.
import "server-only";
import { redirect } from "next/navigation";
import { AREA_HOME, AREA_ROLES, hasAnyRole, type Area } from "./roles";
import { currentSession, currentSessionId, requestPath } from "./session";
import type { SessionUser } from "./session-store";

export type AreaAccess =
  | { ok: true; user: SessionUser }
  | { ok: false; reason: "wrong-account"; user: SessionUser }
  | { ok: false; reason: "missing-role"; user: SessionUser; requiredRoles: readonly string[] };

function signInUrl(area: Area, returnTo: string, reason?: string): string {
  const params = new URLSearchParams({ area, returnTo });
  if (reason) params.set("reason", reason);
  return `/signin?${params}`;
}

/**
 * For layouts and pages: no session → off to sign-in (coming back here afterwards); a session of the
 * wrong kind or without the area's role → an explanation instead of the page.
 */
export async function checkAreaAccess(area: Area): Promise<AreaAccess> {
  const user = await currentSession();
  if (!user) {
    // A cookie without a live session: it ended. Staff sessions end every few minutes on purpose (roles are re-read
    // from a new token), and the sign-in page then signs in again silently.
    const ended = Boolean(await currentSessionId());
    redirect(signInUrl(area, await requestPath(AREA_HOME[area]), ended ? (area === "customer" ? "expired" : "revalidate") : undefined));
  }
  if (area === "customer") {
    return user.kind === "CUSTOMER" ? { ok: true, user } : { ok: false, reason: "wrong-account", user };
  }
  if (user.kind !== "STAFF") return { ok: false, reason: "wrong-account", user };
  const requiredRoles = AREA_ROLES[area];
  return hasAnyRole(user.roles, requiredRoles) ? { ok: true, user } : { ok: false, reason: "missing-role", user, requiredRoles };
}

/** For pages inside an area whose layout already checked access: the user, guaranteed. */
export async function requireAreaUser(area: Area): Promise<SessionUser> {
  const access = await checkAreaAccess(area);
  if (!access.ok) redirect(AREA_HOME[area]);
  return access.user;
}
