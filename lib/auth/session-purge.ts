// Housekeeping run on a schedule (lib/jobs): sessions past their idle or absolute limit are deleted, and
// with them their encrypted token vault (API token + MSAL cache live in the same row).
import type { Db } from "../db/client";
import { serverEnv } from "../env";
import { purgeExpiredSignInNonces } from "./sign-in-nonce";

/**
 * Deletes every expired session (idle or absolute) and its token cache; returns how many sessions were removed.
 * Expired sign-in nonces go in the same sweep.
 */
export async function purgeExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const idleCutoff = new Date(now.getTime() - serverEnv().SESSION_IDLE_MINUTES * 60_000);
  const staffCutoff = new Date(now.getTime() - serverEnv().STAFF_SESSION_REVALIDATE_MINUTES * 60_000);
  const { count } = await db.session.deleteMany({
    where: { OR: [{ absoluteExpiresAt: { lte: now } }, { lastSeenAt: { lt: idleCutoff } }, { kind: "STAFF", createdAt: { lt: staffCutoff } }] },
  });
  await purgeExpiredSignInNonces(db, now);
  return count;
}
