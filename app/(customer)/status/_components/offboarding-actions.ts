"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { cancelOffboardingAction, checkOffboardingCleanupAction, cleanupOffboardingAction, requestOffboardingAction } from "@/lib/offboarding/actions";

export async function requestOffboarding(input: unknown) {
  return invokeAction(requestOffboardingAction, input);
}

export async function cancelOffboarding(input: unknown) {
  return invokeAction(cancelOffboardingAction, input);
}

export async function cleanupOffboarding(input: unknown) {
  return invokeAction(cleanupOffboardingAction, input);
}

export async function checkOffboardingCleanup(input: unknown) {
  return invokeAction(checkOffboardingCleanupAction, input);
}
