// Step-up for what cannot be undone lightly: the session must come from an interactive sign-in no older than
// STEP_UP_MAX_AGE_SECONDS (the token's auth_time), and, where STEP_UP_ACRS names a Conditional Access authentication
// context, the token must carry it in acrs (https://learn.microsoft.com/entra/identity-platform/developer-guide-conditional-access-authentication-context).
import { AppError } from "../errors";
import { serverEnv } from "../env";
import type { SessionUser } from "./session-store";

/** Tolerated clock difference between Entra and this server. */
const CLOCK_SKEW_SECONDS = 60;

/** The reason a session cannot perform a step-up action now, or null when it can. */
export function stepUpProblem(user: Pick<SessionUser, "authTime" | "acrs">, now = new Date()): AppError | null {
  const env = serverEnv();
  const maxAge = env.STEP_UP_MAX_AGE_SECONDS;
  const minutes = Math.max(1, Math.round(maxAge / 60));
  const fix = "Choose “Sign in again to confirm”: Microsoft asks for your sign-in again, then you come back to this page and repeat the action.";
  if (!user.authTime) {
    return new AppError("STEP_UP_REQUIRED", `This action needs a fresh sign-in, and your sign-in did not say when you last signed in.`, { fix });
  }
  const ageSeconds = (now.getTime() - user.authTime.getTime()) / 1000;
  if (ageSeconds > maxAge + CLOCK_SKEW_SECONDS) {
    return new AppError("STEP_UP_REQUIRED", `This action needs a sign-in from the last ${minutes} minutes; yours was ${Math.round(ageSeconds / 60)} minutes ago.`, { fix });
  }
  if (env.STEP_UP_ACRS && !(user.acrs ?? []).includes(env.STEP_UP_ACRS)) {
    return new AppError("STEP_UP_REQUIRED", "This action needs the extra sign-in check your organization set up for sensitive actions (Conditional Access authentication context).", { fix });
  }
  return null;
}

/** What the browser asks Entra for on "Sign in again to confirm": a claims request for the authentication context, if any. */
export function stepUpClaimsRequest(): string | undefined {
  const acrs = serverEnv().STEP_UP_ACRS;
  return acrs ? JSON.stringify({ access_token: { acrs: { essential: true, value: acrs } } }) : undefined;
}
