"use server";

import { invokeAction } from "@/lib/auth/invoke";
import { rotateToNewestVersionAction } from "@/lib/support/customer-actions";

export async function rotateToNewestVersion(input: unknown) {
  return invokeAction(rotateToNewestVersionAction, input);
}
