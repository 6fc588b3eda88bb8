// Housekeeping run on a schedule (lib/jobs): sessions past their idle or absolute limit are deleted, and
// with them their encrypted token vault (API token + MSAL cache live in the same row).
import type { Db } from "../db/client";
import { serverEnv } from "../env";

/** Deletes every expired session (idle or absolute) and its token cache; returns how many were removed. */
export async function purgeExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const idleCutoff = new Date(now.getTime() - serverEnv().SESSION_IDLE_MINUTES * 60_000);
  const { count } = await db.session.deleteMany({
    where: { OR: [{ absoluteExpiresAt: { lte: now } }, { lastSeenAt: { lt: idleCutoff } }] },
  });
  return count;
}
