// Server-side sessions. The browser holds only a random id; the row holds who it is and their tokens.
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import type { SessionKind } from "../db/generated/prisma/enums";
import { deriveKey, open, seal } from "../crypto/secret-box";
import { serverEnv } from "../env";
import type { VerifiedIdentity } from "./token-validation";

export type SessionUser = {
  idHash: string;
  kind: SessionKind;
  tenantId: string;
  userOid: string;
  userName: string;
  displayName: string;
  roles: string[];
  /** The last interactive sign-in (token `auth_time`), null when the token did not say. */
  authTime?: Date | null;
  /** Conditional Access authentication contexts the sign-in satisfied (token `acrs`). */
  acrs?: string[];
};

/** What we keep of a user's tokens: the API token (on-behalf-of assertion) and MSAL's cache. */
export type TokenVault = { apiToken: string; msalCache?: string };

const TOUCH_EVERY_MS = 60_000;

export function hashSessionId(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("hex");
}

function vaultKey(): Buffer {
  return deriveKey(serverEnv().SESSION_SECRET, "session-token-vault");
}

function sealVault(idHash: string, vault: TokenVault): Uint8Array<ArrayBuffer> {
  return new Uint8Array(seal(vaultKey(), JSON.stringify(vault), idHash));
}

export async function createSession(
  db: Db,
  input: { kind: SessionKind; identity: VerifiedIdentity; roles: string[]; apiToken: string },
  now = new Date(),
): Promise<{ sessionId: string; user: SessionUser; absoluteExpiresAt: Date }> {
  const sessionId = randomBytes(32).toString("base64url");
  const idHash = hashSessionId(sessionId);
  const absoluteExpiresAt = new Date(now.getTime() + serverEnv().SESSION_ABSOLUTE_HOURS * 3_600_000);
  const row = await db.session.create({
    data: {
      idHash,
      kind: input.kind,
      tenantId: input.identity.tenantId,
      userOid: input.identity.objectId,
      userName: input.identity.userName,
      displayName: input.identity.displayName,
      roles: input.roles,
      authTime: input.identity.authTime ?? null,
      acrs: input.identity.acrs ?? [],
      tokenVault: sealVault(idHash, { apiToken: input.apiToken }),
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt,
    },
  });
  return { sessionId, user: toUser(row), absoluteExpiresAt };
}

type SessionRow = { idHash: string; kind: SessionKind; tenantId: string; userOid: string; userName: string; displayName: string; roles: string[]; authTime: Date | null; acrs: string[] };

function toUser(row: SessionRow): SessionUser {
  return { idHash: row.idHash, kind: row.kind, tenantId: row.tenantId, userOid: row.userOid, userName: row.userName, displayName: row.displayName, roles: row.roles, authTime: row.authTime, acrs: row.acrs };
}

/**
 * Staff roles come from the token and can be taken away in Entra at any time: a staff session trusts them for
 * STAFF_SESSION_REVALIDATE_MINUTES only. After that it ends, and the browser signs in again (silently, through
 * Entra's own session), which reads the roles afresh.
 */
export function staffRolesStale(row: { kind: SessionKind; createdAt: Date }, now: Date): boolean {
  return row.kind === "STAFF" && now.getTime() - row.createdAt.getTime() > serverEnv().STAFF_SESSION_REVALIDATE_MINUTES * 60_000;
}

/** The live session for a cookie value, or null when unknown or expired (idle, absolute, or staff roles to re-read). */
export async function loadActiveSession(db: Db, sessionId: string, now = new Date()): Promise<SessionUser | null> {
  const idHash = hashSessionId(sessionId);
  const row = await db.session.findUnique({ where: { idHash } });
  if (!row) return null;
  const idleLimit = serverEnv().SESSION_IDLE_MINUTES * 60_000;
  if (row.absoluteExpiresAt <= now || now.getTime() - row.lastSeenAt.getTime() > idleLimit || staffRolesStale(row, now)) {
    await db.session.deleteMany({ where: { idHash } });
    return null;
  }
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db.session.update({ where: { idHash }, data: { lastSeenAt: now } });
  }
  return toUser(row);
}

/** Sign-out: the session and its token cache are gone for good. */
export async function destroySession(db: Db, sessionId: string): Promise<void> {
  await db.session.deleteMany({ where: { idHash: hashSessionId(sessionId) } });
}

export async function readTokenVault(db: Db, idHash: string): Promise<TokenVault | null> {
  const row = await db.session.findUnique({ where: { idHash }, select: { tokenVault: true } });
  if (!row?.tokenVault) return null;
  return JSON.parse(open(vaultKey(), row.tokenVault, idHash)) as TokenVault;
}

export async function writeTokenVault(db: Db, idHash: string, vault: TokenVault): Promise<void> {
  await db.session.updateMany({ where: { idHash }, data: { tokenVault: sealVault(idHash, vault) } });
}
