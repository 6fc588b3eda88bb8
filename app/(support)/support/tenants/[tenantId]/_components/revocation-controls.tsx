"use client";

import { useId, useState } from "react";
import type { ActionResult } from "@/lib/auth/actions";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { ConfirmDialog, type Confirmation } from "@/components/ui/confirm-dialog";
import { approveRestore, approveRevocation, cancelRestore, cancelRevocation, rejectRevocation, requestRevocation, restoreAccess, retryRevocation } from "../actions";
import { DANGER_BUTTON, INPUT, StaffButton, useStaffAction } from "../../../_components/staff-form";

const REVOKE_CONFIRMATION: Confirmation = {
  title: "Revoke the provider's access to this customer's key?",
  consequence: (
    <>
      <p>The provider&apos;s role on the key is removed now. Virtual machines whose disks use this key are stopped, and they cannot start again until access is restored.</p>
      <p className="mt-2">Restoring needs a new request and a second person&apos;s approval.</p>
    </>
  ),
  confirmLabel: "Revoke access",
};

/** A required reason, then one staff action (the reason goes to the audit log). */
function ReasonForm({ label, submitLabel, pendingLabel, buttonClass, submit, success }: { label: string; submitLabel: string; pendingLabel: string; buttonClass: string; submit: (reason: string) => Promise<ActionResult<unknown>>; success: string }) {
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const { pending, error, run } = useStaffAction<unknown>();
  return (
    <form
      className="space-y-2"
      onSubmit={(event) => {
        event.preventDefault();
        run(() => submit(reason), undefined, success);
      }}
    >
      <label htmlFor={reasonId} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <textarea id={reasonId} className={INPUT} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={10} maxLength={500} />
      <button type="submit" className={buttonClass} disabled={pending}>
        {pending ? pendingLabel : submitLabel}
      </button>
      <ActionError error={error} />
    </form>
  );
}

export function RequestRevocationForm({ customerTenantId }: { customerTenantId: string }) {
  return (
    <ReasonForm
      label="Reason for the revocation (goes to the audit log and to the customer's admins)"
      submitLabel="Request revocation"
      pendingLabel="Requesting…"
      buttonClass={DANGER_BUTTON}
      submit={(reason) => requestRevocation({ customerTenantId, reason })}
      success="Revocation requested: a second person must approve it"
    />
  );
}

export function DecideRevocation({ requestId, canApprove, isRequester }: { requestId: string; canApprove: boolean; isRequester: boolean }) {
  const noteId = useId();
  const [note, setNote] = useState("");
  const decide = useStaffAction();
  return (
    <div className="space-y-3">
      {canApprove && (
        <div className="space-y-2">
          <label htmlFor={noteId} className="block text-sm font-medium text-slate-800">
            Note (optional for approval, required to reject)
          </label>
          <input id={noteId} className={INPUT} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
          <div className="flex flex-wrap gap-3">
            <ConfirmDialog
              {...REVOKE_CONFIRMATION}
              onConfirm={() => decide.run(() => approveRevocation({ requestId, note: note || undefined }), undefined, "Revocation approved: access is being removed")}
              trigger={
                <button type="button" className={DANGER_BUTTON} disabled={decide.pending}>
                  Approve and revoke now
                </button>
              }
            />
            <button type="button" className={BUTTON_STYLES.secondary} disabled={decide.pending} onClick={() => decide.run(() => rejectRevocation({ requestId, note }), undefined, "Revocation request rejected")}>
              Reject
            </button>
          </div>
          <ActionError error={decide.error} />
        </div>
      )}
      {!canApprove && <p className="text-sm text-slate-700">Waiting for a second person with the SupportApprover role to approve.</p>}
      {(isRequester || canApprove) && <StaffButton variant="secondary" label="Cancel the request" success="Revocation request cancelled" action={() => cancelRevocation({ requestId })} />}
    </div>
  );
}

export function RestoreForm({ customerTenantId }: { customerTenantId: string }) {
  return (
    <ReasonForm
      label="Why access may be restored (a second person confirms: a SupportApprover, or the customer's admin)"
      submitLabel="Request restore"
      pendingLabel="Requesting…"
      buttonClass={BUTTON_STYLES.primary}
      submit={(reason) => restoreAccess({ customerTenantId, reason })}
      success="Restore requested: a second person must confirm it"
    />
  );
}

/** Runs a failed revocation again under its existing approval (the attempt is audited). */
export function RetryRevocationButton({ requestId }: { requestId: string }) {
  return <StaffButton variant="danger" label="Retry the revocation" success="Revocation retry queued" confirm={REVOKE_CONFIRMATION} action={() => retryRevocation({ requestId })} />;
}

/** The second person of a restore: a SupportApprover who did not ask for it (the customer's admin may confirm instead). */
export function DecideRestore({ restoreRequestId, canApprove, canCancel }: { restoreRequestId: string; canApprove: boolean; canCancel: boolean }) {
  return (
    <div className="flex flex-wrap gap-3">
      {canApprove && <StaffButton label="Approve and restore now" pendingLabel="Approving…" success="Restore approved: access is being restored" action={() => approveRestore({ restoreRequestId })} />}
      {canCancel && <StaffButton variant="secondary" label="Cancel the restore request" success="Restore request cancelled" action={() => cancelRestore({ restoreRequestId })} />}
    </div>
  );
}
