// Who did something, as recorded at write time: audit details carry the person's names, so that history and
// the audit log show people, not object ids, even after the session is gone.
import type { SessionUser } from "../auth/session-store";

export function actorNames(user: Pick<SessionUser, "userName" | "displayName">): { userName: string; displayName: string } {
  return { userName: user.userName, displayName: user.displayName };
}

/** The name recorded in an audit event's details (display name, else UPN), or undefined when none was. */
export function recordedName(details: unknown): string | undefined {
  if (!details || typeof details !== "object") return undefined;
  const { displayName, userName } = details as Record<string, unknown>;
  if (typeof displayName === "string" && displayName.trim()) return displayName;
  if (typeof userName === "string" && userName.trim()) return userName;
  return undefined;
}
