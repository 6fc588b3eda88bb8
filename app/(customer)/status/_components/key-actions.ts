"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { confirmRestoreAction, rotateToNewestVersionAction, setNotificationContactAction } from "@/lib/support/customer-actions";
import { removeGrantAction } from "@/lib/onboarding/actions";

export async function rotateToNewestVersion(input: unknown) {
  return invokeAction(rotateToNewestVersionAction, input);
}

export async function confirmRestore(input: unknown) {
  return invokeAction(confirmRestoreAction, input);
}

export async function removeGrant(input: unknown) {
  return invokeAction(removeGrantAction, input);
}

export async function setNotificationContact(input: unknown) {
  return invokeAction(setNotificationContactAction, input);
}
