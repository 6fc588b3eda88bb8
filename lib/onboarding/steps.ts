// The onboarding state machine: named steps, their order, and which moves are allowed. Pure.
import type { OnboardingStep } from "../db/generated/prisma/enums";

export const STEP_ORDER: readonly OnboardingStep[] = ["CONSENT", "KEY_VAULT", "KEY", "ACCESS", "VERIFY", "REVIEW", "SUBMITTED"];

export const STEP_PATH: Record<OnboardingStep, string> = {
  CONSENT: "/onboarding/consent",
  KEY_VAULT: "/onboarding/vault",
  KEY: "/onboarding/key",
  ACCESS: "/onboarding/access",
  VERIFY: "/onboarding/verify",
  REVIEW: "/onboarding/review",
  SUBMITTED: "/status",
};

export const STEP_LABEL: Record<OnboardingStep, string> = {
  CONSENT: "Consent",
  KEY_VAULT: "Key vault",
  KEY: "Key",
  ACCESS: "Grant access",
  VERIFY: "Verify",
  REVIEW: "Review",
  SUBMITTED: "Status",
};

export function stepIndex(step: OnboardingStep): number {
  return STEP_ORDER.indexOf(step);
}

/** A step may be viewed once reached; later steps stay closed until the earlier ones are done. */
export function canView(current: OnboardingStep, target: OnboardingStep): boolean {
  return stepIndex(target) <= stepIndex(current);
}

/**
 * Moving forward goes one step at a time (each step is proven before the next opens). Going back to
 * change an earlier choice is allowed until submission, and reopens the steps after it.
 */
export function canMove(current: OnboardingStep, target: OnboardingStep): boolean {
  if (current === "SUBMITTED") return target === "SUBMITTED";
  const from = stepIndex(current);
  const to = stepIndex(target);
  return to <= from + 1;
}
