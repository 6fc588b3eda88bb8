"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { confirmRestoreAction, rotateToNewestVersionAction } from "@/lib/support/customer-actions";

export async function rotateToNewestVersion(input: unknown) {
  return invokeAction(rotateToNewestVersionAction, input);
}

export async function confirmRestore(input: unknown) {
  return invokeAction(confirmRestoreAction, input);
}
