"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { retryProvisioningAction, runHealthCheckNowAction } from "@/lib/dashboard/actions";
import { executeOffboardingAction } from "@/lib/offboarding/actions";

export async function retryProvisioning(input: unknown) {
  return invokeAction(retryProvisioningAction, input);
}

export async function runHealthCheckNow(input: unknown) {
  return invokeAction(runHealthCheckNowAction, input);
}

export async function executeOffboarding(input: unknown) {
  return invokeAction(executeOffboardingAction, input);
}
