"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { checkConsentAction, startConsentAction } from "@/lib/consent/actions";

export async function startConsent() {
  return invokeAction(startConsentAction, {});
}

export async function checkConsent() {
  return invokeAction(checkConsentAction, {});
}
