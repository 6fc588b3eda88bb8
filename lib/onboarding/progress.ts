// Onboarding progress lives in the database, so any admin of the tenant, in any browser, resumes it.
import type { Db } from "../db/client";
import type { OnboardingStep } from "../db/generated/prisma/enums";
import { AppError } from "../errors";
import { canMove, stepIndex } from "./steps";

/** Moves forward to `step` if it is the next one (no-op when already there or beyond). */
export async function advanceOnboarding(db: Db, customerTenantId: string, step: OnboardingStep, actorOid: string, actorName?: string, subject?: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const onboarding = await tx.onboarding.upsert({ where: { customerTenantId }, create: { customerTenantId }, update: {} });
    if (stepIndex(onboarding.step) >= stepIndex(step)) return;
    if (!canMove(onboarding.step, step)) {
      throw new AppError("CONFLICT", "Finish the earlier steps first.", { fix: "Go back to the step the wizard shows as current." });
    }
    await tx.onboarding.update({ where: { id: onboarding.id }, data: { step } });
    await tx.onboardingStepEvent.create({ data: { onboardingId: onboarding.id, step, actorOid, actorName, subject } });
  });
}

/** Goes back to an earlier step to change a choice; the steps after it must be done again. */
export async function reopenOnboardingAt(db: Db, customerTenantId: string, step: OnboardingStep, actorOid: string, actorName?: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const onboarding = await tx.onboarding.findUniqueOrThrow({ where: { customerTenantId } });
    if (onboarding.step === "SUBMITTED") {
      throw new AppError("CONFLICT", "Onboarding was already submitted.", { fix: "Use the status page to rotate the key instead." });
    }
    if (stepIndex(step) >= stepIndex(onboarding.step)) return;
    await tx.onboarding.update({ where: { id: onboarding.id }, data: { step } });
    await tx.onboardingStepEvent.create({ data: { onboardingId: onboarding.id, step, actorOid, actorName } });
  });
}
