"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { submitAction } from "@/lib/onboarding/submit-action";

export async function submitOnboarding(input: unknown) {
  return invokeAction(submitAction, input);
}
