"use client";

import { useId, useState } from "react";
import type { ActionResult } from "@/lib/auth/actions";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { approveRestore, approveRevocation, cancelRestore, cancelRevocation, rejectRevocation, requestRevocation, restoreAccess, retryRevocation } from "../actions";
import { DANGER_BUTTON, INPUT, StaffButton, useStaffAction } from "../../../_components/staff-form";

/** A required reason, then one staff action (the reason goes to the audit log). */
function ReasonForm({ label, submitLabel, pendingLabel, buttonClass, submit }: { label: string; submitLabel: string; pendingLabel: string; buttonClass: string; submit: (reason: string) => Promise<ActionResult<unknown>> }) {
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const { pending, error, run } = useStaffAction<unknown>();
  return (
    <form
      className="space-y-2"
      onSubmit={(event) => {
        event.preventDefault();
        run(() => submit(reason));
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
            <button type="button" className={DANGER_BUTTON} disabled={decide.pending} onClick={() => decide.run(() => approveRevocation({ requestId, note: note || undefined }))}>
              Approve and revoke now
            </button>
            <button type="button" className={BUTTON_STYLES.secondary} disabled={decide.pending} onClick={() => decide.run(() => rejectRevocation({ requestId, note }))}>
              Reject
            </button>
          </div>
          <ActionError error={decide.error} />
        </div>
      )}
      {!canApprove && <p className="text-sm text-slate-700">Waiting for a second person with the SupportApprover role to approve.</p>}
      {(isRequester || canApprove) && <StaffButton variant="secondary" label="Cancel the request" action={() => cancelRevocation({ requestId })} />}
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
    />
  );
}

/** Runs a failed revocation again under its existing approval (the attempt is audited). */
export function RetryRevocationButton({ requestId }: { requestId: string }) {
  return <StaffButton variant="danger" label="Retry the revocation" action={() => retryRevocation({ requestId })} />;
}

/** The second person of a restore: a SupportApprover who did not ask for it (the customer's admin may confirm instead). */
export function DecideRestore({ restoreRequestId, canApprove, canCancel }: { restoreRequestId: string; canApprove: boolean; canCancel: boolean }) {
  return (
    <div className="flex flex-wrap gap-3">
      {canApprove && <StaffButton label="Approve and restore now" pendingLabel="Approving…" action={() => approveRestore({ restoreRequestId })} />}
      {canCancel && <StaffButton variant="secondary" label="Cancel the restore request" action={() => cancelRestore({ restoreRequestId })} />}
    </div>
  );
}
