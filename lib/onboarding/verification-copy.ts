// The verification's wording shared by the verify step (a client component) and the status page: pure, so the
// browser bundle takes nothing else of lib/onboarding/verification.ts with it.

/** Why an attempt did not succeed yet, while the verification keeps trying. */
export const WAITING_COPY: Readonly<Record<string, string>> = {
  ROLE_MISSING: "Azure is still spreading the new access (role propagation can take a few minutes).",
  THROTTLED: "Azure is throttling requests; trying again shortly.",
  UNAVAILABLE: "Key Vault did not answer as expected; trying again shortly.",
};

/** A duration as m:ss (the verification's window is minutes long). */
export function minutesAndSeconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
