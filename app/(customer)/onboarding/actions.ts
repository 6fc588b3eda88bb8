"use server";

import { invokeAction } from "@/lib/auth/invoke";
import {
  confirmAccessAction,
  createKeyAction,
  createVaultAction,
  grantAccessAction,
  grantSelfKeyAccessAction,
  removeGrantAction,
  selectHsmAction,
  selectKeyAction,
  selectVaultAction,
  verificationProgressAction,
  verifyAction,
  skipProbeAction,
} from "@/lib/onboarding/actions";

export async function selectVault(input: unknown) {
  return invokeAction(selectVaultAction, input);
}

export async function selectHsm(input: unknown) {
  return invokeAction(selectHsmAction, input);
}

export async function createVault(input: unknown) {
  return invokeAction(createVaultAction, input);
}

export async function selectKey(input: unknown) {
  return invokeAction(selectKeyAction, input);
}

export async function createKey(input: unknown) {
  return invokeAction(createKeyAction, input);
}

export async function grantMyselfKeyAccess() {
  return invokeAction(grantSelfKeyAccessAction, {});
}

export async function grantAccess() {
  return invokeAction(grantAccessAction, {});
}

export async function confirmAccess() {
  return invokeAction(confirmAccessAction, {});
}

export async function verifyKey(input: unknown) {
  return invokeAction(verifyAction, input);
}

export async function verificationProgress() {
  return invokeAction(verificationProgressAction, {});
}

export async function skipProbe(input: unknown) {
  return invokeAction(skipProbeAction, input);
}

export async function removeGrant(input: unknown) {
  return invokeAction(removeGrantAction, input);
}
