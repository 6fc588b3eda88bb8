"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { retryProvisioningAction, runHealthCheckNowAction } from "@/lib/dashboard/actions";

export async function retryProvisioning(input: unknown) {
  return invokeAction(retryProvisioningAction, input);
}

export async function runHealthCheckNow(input: unknown) {
  return invokeAction(runHealthCheckNowAction, input);
}
