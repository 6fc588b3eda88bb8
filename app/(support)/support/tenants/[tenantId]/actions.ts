"use server";

import { invokeAction } from "@/lib/auth/invoke";
import {
  approveRestoreAction,
  approveRevocationAction,
  cancelRestoreAction,
  cancelRevocationAction,
  rejectRevocationAction,
  requestRevocationAction,
  restoreAccessAction,
  retryRevocationAction,
  rotateKeyAction,
  setAutoRotationAction,
} from "@/lib/support/actions";
import { approveOffboardingAction, executeOffboardingAction, rejectOffboardingAction } from "@/lib/offboarding/actions";

export async function rotateKey(input: unknown) {
  return invokeAction(rotateKeyAction, input);
}

export async function setAutoRotation(input: unknown) {
  return invokeAction(setAutoRotationAction, input);
}

export async function requestRevocation(input: unknown) {
  return invokeAction(requestRevocationAction, input);
}

export async function approveRevocation(input: unknown) {
  return invokeAction(approveRevocationAction, input);
}

export async function rejectRevocation(input: unknown) {
  return invokeAction(rejectRevocationAction, input);
}

export async function cancelRevocation(input: unknown) {
  return invokeAction(cancelRevocationAction, input);
}

export async function retryRevocation(input: unknown) {
  return invokeAction(retryRevocationAction, input);
}

export async function restoreAccess(input: unknown) {
  return invokeAction(restoreAccessAction, input);
}

export async function approveRestore(input: unknown) {
  return invokeAction(approveRestoreAction, input);
}

export async function cancelRestore(input: unknown) {
  return invokeAction(cancelRestoreAction, input);
}

export async function approveOffboarding(input: unknown) {
  return invokeAction(approveOffboardingAction, input);
}

export async function rejectOffboarding(input: unknown) {
  return invokeAction(rejectOffboardingAction, input);
}

export async function executeOffboarding(input: unknown) {
  return invokeAction(executeOffboardingAction, input);
}
