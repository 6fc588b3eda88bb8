"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ActionResult } from "@/lib/auth/actions";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

type Forward<T> = (input: unknown) => Promise<ActionResult<T>>;

/**
 * The staff steps of an offboarding. The page decides which apply to the viewer (approve/reject for a SupportApprover,
 * start for anyone but the approver) and passes its own "use server" forwarders; the server checks again.
 */
export function StaffOffboardingControls({
  offboardingId,
  diskSummary,
  approve,
  reject,
  execute,
  executeLabel = "Start the provider side",
}: {
  offboardingId: string;
  diskSummary: string;
  approve?: Forward<unknown>;
  reject?: Forward<unknown>;
  execute?: Forward<{ alreadyStarted: boolean }>;
  executeLabel?: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const [note, setNote] = useState("");
  const run = <T,>(action: () => Promise<ActionResult<T>>, done: (data: T) => string) =>
    startTransition(async () => {
      setError(null);
      const result = await action();
      if (!result.ok) {
        setError(result.error);
        return;
      }
      toast.success(done(result.data));
      router.refresh();
    });
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        {approve && (
          <ConfirmDialog
            trigger={
              <button type="button" className={BUTTON_STYLES.primary} disabled={pending}>
                Approve offboarding
              </button>
            }
            title="Approve this customer's disconnect?"
            confirmLabel="Approve"
            consequence={<p>{diskSummary} A second person (not you) then starts it; until then the customer can still cancel.</p>}
            onConfirm={() => run(() => approve({ offboardingId }), () => "Offboarding approved. A second person starts it.")}
          />
        )}
        {execute && (
          <ConfirmDialog
            trigger={
              <button type="button" className={BUTTON_STYLES.primary} disabled={pending}>
                {executeLabel}
              </button>
            }
            title="Start the provider side of this offboarding?"
            confirmLabel={executeLabel}
            consequence={<p>{diskSummary} Then the disk encryption set is deleted. This cannot be undone.</p>}
            onConfirm={() => run(() => execute({ offboardingId }), (d) => (d.alreadyStarted ? "Already started: the job is running." : "Offboarding started: the job moves the disks, then deletes the DES."))}
          />
        )}
      </div>
      {reject && (
        <div className="flex flex-wrap items-end gap-3">
          <label className="block text-sm">
            <span className="font-medium">Reason to decline (the customer sees it)</span>
            <input value={note} onChange={(e) => setNote(e.target.value)} className="mt-1 block w-72 rounded-md border border-slate-300 px-2 py-1" />
          </label>
          <button type="button" className={BUTTON_STYLES.secondary} disabled={pending} onClick={() => run(() => reject({ offboardingId, note }), () => "Offboarding declined.")}>
            Decline
          </button>
        </div>
      )}
      {pending && <p className="text-sm text-slate-600">Working…</p>}
      <ActionError error={error} />
    </div>
  );
}
