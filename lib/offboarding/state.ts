// The offboarding state machine: named states, the moves allowed between them, and how each is told to people.
import type { OffboardingState } from "../db/generated/prisma/enums";

export type DiskPolicy = "platform-key" | "delete";

/** Allowed moves. FAILED goes back to APPROVED when the executor runs it again under the same approval. */
export const TRANSITIONS: Record<OffboardingState, readonly OffboardingState[]> = {
  REQUESTED: ["APPROVED", "CANCELLED"],
  APPROVED: ["DISKS_DETACHING", "CANCELLED", "FAILED"],
  DISKS_DETACHING: ["DES_DELETING", "FAILED"],
  DES_DELETING: ["PROVIDER_DONE", "FAILED"],
  PROVIDER_DONE: ["CUSTOMER_CLEANUP", "COMPLETED"],
  CUSTOMER_CLEANUP: ["COMPLETED"],
  COMPLETED: [],
  CANCELLED: [],
  FAILED: ["APPROVED"],
};

export function canMove(from: OffboardingState, to: OffboardingState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** States in which the provider's job may (still) run: it resumes from wherever a crash left it. */
export const JOB_STATES: readonly OffboardingState[] = ["APPROVED", "DISKS_DETACHING", "DES_DELETING"];
/** The provider side is finished: only the customer's clean-up remains (or nothing). */
export const PROVIDER_FINISHED: readonly OffboardingState[] = ["PROVIDER_DONE", "CUSTOMER_CLEANUP", "COMPLETED"];
export const CLOSED: readonly OffboardingState[] = ["COMPLETED", "CANCELLED"];

export const STATE_LABEL: Record<OffboardingState, string> = {
  REQUESTED: "Requested, waiting for the provider's approval",
  APPROVED: "Approved, waiting for a second provider person to start it",
  DISKS_DETACHING: "Moving the provider's disks off your key",
  DES_DELETING: "Deleting the disk encryption set",
  PROVIDER_DONE: "Provider side done: your clean-up remains",
  CUSTOMER_CLEANUP: "Your clean-up is under way",
  COMPLETED: "Disconnected",
  CANCELLED: "Cancelled",
  FAILED: "Stopped by an error: the provider is on it",
};

/** What the policy does to a disk, in words for the customer's confirmation and the operator's page. */
export function describePolicy(policy: DiskPolicy): string {
  return policy === "delete"
    ? "The provider deletes each disk that still uses your key (its data is gone for good). A disk attached to a virtual machine must first be detached by the provider."
    : "The provider moves each disk that still uses your key back to Microsoft's platform-managed keys. A virtual machine using such a disk is stopped (deallocated) while Azure switches it, as Azure requires, and started again once its disks are switched.";
}

export function isDiskPolicy(value: string): value is DiskPolicy {
  return value === "platform-key" || value === "delete";
}
