// The key-expiry rule of the key step (lib/onboarding/checks.ts), for pages after it: the status page keeps
// showing the same warning, and the reminder task (lib/onboarding/expiry-reminders.ts) uses the same clock.
import { inWholeDays, KEY_EXPIRY_BLOCK_DAYS, KEY_EXPIRY_WARN_DAYS } from "./checks";

const DAY_MS = 86_400_000;

export type KeyExpiryNotice = { tone: "ok" | "warn" | "bad"; text: string; fix?: string };

export function keyExpiryNotice(expiresAt: Date | null, now: Date): KeyExpiryNotice {
  if (!expiresAt) return { tone: "ok", text: "The key does not expire." };
  const msLeft = expiresAt.getTime() - now.getTime();
  const date = expiresAt.toISOString().slice(0, 10);
  if (msLeft <= 0) return { tone: "bad", text: `The key expired on ${date}.`, fix: "Disks that use it stop working when Azure can no longer unwrap their keys: extend the expiry date or create a new version now." };
  if (msLeft < KEY_EXPIRY_BLOCK_DAYS * DAY_MS) return { tone: "bad", text: `The key expires on ${date}, ${inWholeDays(expiresAt, now)}.`, fix: "Extend the expiry date (or rotate to a new version) so that it is more than 30 days away." };
  if (msLeft < KEY_EXPIRY_WARN_DAYS * DAY_MS) return { tone: "warn", text: `The key expires on ${date}, ${inWholeDays(expiresAt, now)}.`, fix: "Plan a rotation, or set a rotation policy so a new version is created before expiry." };
  return { tone: "ok", text: `The key expires on ${date}.` };
}
