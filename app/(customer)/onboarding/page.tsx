import { forbidden, redirect } from "next/navigation";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { customerOnboarding } from "@/lib/onboarding/queries";
import { STEP_PATH } from "@/lib/onboarding/steps";

/** Resumes the wizard where this tenant left it, whoever of its admins comes back. */
export default async function OnboardingEntryPage() {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const { onboarding } = await customerOnboarding(db(), access.user.tenantId, access.user);
  redirect(STEP_PATH[onboarding.step]);
}
