"use client";

import { ActionButton } from "@/components/ui/action-button";
import { confirmRestore } from "./key-actions";

/** The customer's admin is the second person of a restore that provider support asked for. */
export function ConfirmRestoreButton({ restoreRequestId }: { restoreRequestId: string }) {
  return <ActionButton action={() => confirmRestore({ restoreRequestId })} label="Confirm: restore access to my key" pendingLabel="Confirming…" />;
}
