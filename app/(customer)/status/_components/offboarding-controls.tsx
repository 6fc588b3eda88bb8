"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ActionResult } from "@/lib/auth/actions";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { cancelOffboarding, checkOffboardingCleanup, cleanupOffboarding, requestOffboarding } from "./offboarding-actions";

/** Runs one action; on success shows `done(data)` as a toast and reloads the page's data. */
function useAction<T>() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const run = (action: () => Promise<ActionResult<T>>, done: (data: T) => string) =>
    startTransition(async () => {
      setError(null);
      const result = await action();
      if (!result.ok) {
        if (result.error.code === "UNAUTHENTICATED") router.push("/signin?area=customer&reason=expired&returnTo=/status");
        setError(result.error);
        return;
      }
      toast.success(done(result.data));
      router.refresh();
    });
  return { pending, error, run };
}

export type DiskLine = { name: string; vmName: string | null };

/** "Disconnect…": an AlertDialog that names exactly what will happen before anything is asked of the provider. */
export function DisconnectButton({ disks, policyText, disksUnknown }: { disks: DiskLine[]; policyText: string; disksUnknown: boolean }) {
  const { pending, error, run } = useAction<{ alreadyRequested: boolean; requestedBy: string }>();
  return (
    <div className="space-y-3">
      <ConfirmDialog
        trigger={
          <button type="button" className={BUTTON_STYLES.secondary} disabled={pending}>
            {pending ? "Asking the provider…" : "Disconnect…"}
          </button>
        }
        title="Disconnect your key from the provider?"
        confirmLabel="Request disconnect"
        consequence={
          <div className="space-y-2">
            <p>
              {disksUnknown
                ? "The provider's disks that use your key could not be listed just now; the request records them when it is made."
                : disks.length === 0
                  ? "No disk of the provider uses your key right now."
                  : `${disks.length} disk(s) of the provider use your key:`}
            </p>
            {disks.length > 0 && (
              <ul className="list-disc pl-5">
                {disks.map((d) => (
                  <li key={d.name}>
                    {d.name}
                    {d.vmName ? ` (virtual machine ${d.vmName})` : " (not attached)"}
                  </li>
                ))}
              </ul>
            )}
            <p>{policyText}</p>
            <p>Then the provider deletes its disk encryption set. Two people at the provider must approve and start it; until then you can cancel.</p>
            <p>Afterwards you remove the provider app&apos;s role assignment on your key and its enterprise app: this page does it for you or shows the exact steps.</p>
          </div>
        }
        onConfirm={() => run(() => requestOffboarding({}), (d) => (d.alreadyRequested ? `Already requested by ${d.requestedBy}.` : "Disconnect requested. The provider has been told."))}
      />
      <ActionError error={error} />
    </div>
  );
}

export function CancelOffboardingButton({ offboardingId }: { offboardingId: string }) {
  const { pending, error, run } = useAction<{ alreadyDone: boolean }>();
  return (
    <div className="space-y-2">
      <button type="button" className={BUTTON_STYLES.secondary} disabled={pending} onClick={() => run(() => cancelOffboarding({ offboardingId }), (d) => (d.alreadyDone ? "It was already cancelled." : "Disconnect request cancelled."))}>
        {pending ? "Cancelling…" : "Cancel the disconnect request"}
      </button>
      <ActionError error={error} />
    </div>
  );
}

type CleanupData = { alreadyDone: boolean; state: string; access: string; enterpriseApp: string };

function cleanupMessage(d: CleanupData): string {
  if (d.alreadyDone) return "Already done: your organization is disconnected.";
  if (d.state === "COMPLETED") return "Done: the role assignment and the enterprise app are removed.";
  if (d.enterpriseApp === "forbidden") return "The role assignment is removed. The enterprise app must be deleted by you: see the steps below.";
  if (d.enterpriseApp === "still-there") return "The enterprise app is still there: delete it, then check again.";
  return d.access === "still-there" ? "The role assignment is still there: remove it, then check again." : "Checked.";
}

/** "Do it for me" (with the admin's own delegated access) and "Check again" after doing it by hand. */
export function CleanupButtons({ offboardingId }: { offboardingId: string }) {
  const doIt = useAction<CleanupData>();
  const check = useAction<CleanupData>();
  const pending = doIt.pending || check.pending;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-3">
        <ConfirmDialog
          trigger={
            <button type="button" className={BUTTON_STYLES.primary} disabled={pending}>
              {doIt.pending ? "Removing…" : "Do it for me"}
            </button>
          }
          title="Remove the provider's access now?"
          confirmLabel="Remove access and the app"
          consequence={
            <p>
              The portal, acting as you, removes the provider app&apos;s role assignment on your key and deletes the provider&apos;s enterprise app from your
              tenant. After this the provider cannot use your key at all. If your account may not delete enterprise apps, the page shows how to do that step yourself.
            </p>
          }
          onConfirm={() => doIt.run(() => cleanupOffboarding({ offboardingId }), cleanupMessage)}
        />
        <button type="button" className={BUTTON_STYLES.secondary} disabled={pending} onClick={() => check.run(() => checkOffboardingCleanup({ offboardingId }), cleanupMessage)}>
          {check.pending ? "Checking…" : "I did it myself: check again"}
        </button>
      </div>
      <ActionError error={doIt.error ?? check.error} />
    </div>
  );
}
