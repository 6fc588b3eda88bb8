// The nonce of a sign-in lives on the server: issued once, consumed once, refused after its TTL. The browser also
// holds it in a cookie (binding the sign-in to that browser), but only the server-side row makes it single-use:
// a stolen ID token + access token pair cannot be handed over a second time.
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { AppError } from "../errors";

export const SIGN_IN_NONCE_TTL_SECONDS = 600;

function hashNonce(nonce: string): string {
  return createHash("sha256").update(nonce).digest("hex");
}

export async function issueSignInNonce(db: Db, now = new Date()): Promise<string> {
  const nonce = randomBytes(24).toString("base64url");
  await db.signInNonce.create({ data: { nonceHash: hashNonce(nonce), createdAt: now, expiresAt: new Date(now.getTime() + SIGN_IN_NONCE_TTL_SECONDS * 1000) } });
  return nonce;
}

/** Claims the nonce atomically (delete returns 1 only for the first caller, and only before it expires). */
export async function consumeSignInNonce(db: Db, nonce: string, now = new Date()): Promise<void> {
  const { count } = await db.signInNonce.deleteMany({ where: { nonceHash: hashNonce(nonce), expiresAt: { gt: now } } });
  if (count !== 1) {
    throw new AppError("UNAUTHENTICATED", "This sign-in was already completed, has expired, or was not started here.", { fix: "Start the sign-in again from the sign-in page." });
  }
}

export async function purgeExpiredSignInNonces(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.signInNonce.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
