"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { ActionResult } from "@/lib/auth/actions";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_VARIANTS, type ButtonVariant } from "@/components/ui/button";
import { ConfirmDialog, type Confirmation } from "@/components/ui/confirm-dialog";

/** Runs a staff action; on success toasts `success` and refreshes the page, explains failures (a lapsed session goes to sign-in). */
export function useStaffAction<T>() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const run = (action: () => Promise<ActionResult<T>>, onSuccess?: (data: T) => void, success?: string) =>
    startTransition(async () => {
      setError(null);
      const result = await action();
      if (!result.ok) {
        if (result.error.code === "UNAUTHENTICATED") router.push(`/signin?area=support&reason=expired&returnTo=${encodeURIComponent(window.location.pathname)}`);
        setError(result.error);
        return;
      }
      onSuccess?.(result.data);
      if (success) toast.success(success);
      router.refresh();
    });
  return { pending, error, setError, run };
}

/** One staff action as a button; `confirm` puts a destructive action behind an AlertDialog (Cancel focused). */
export function StaffButton<T>({ action, label, pendingLabel, variant = "primary", disabled, confirm, success }: { action: () => Promise<ActionResult<T>>; label: string; pendingLabel?: string; variant?: ButtonVariant; disabled?: boolean; confirm?: Confirmation; success?: string }) {
  const { pending, error, run } = useStaffAction<T>();
  const style = BUTTON_VARIANTS[variant];
  return (
    <div className="space-y-2">
      {confirm ? (
        <ConfirmDialog
          {...confirm}
          onConfirm={() => run(action, undefined, success)}
          trigger={
            <button type="button" className={style} disabled={disabled || pending}>
              {pending ? (pendingLabel ?? "Working…") : label}
            </button>
          }
        />
      ) : (
        <button type="button" className={style} disabled={disabled || pending} onClick={() => run(action, undefined, success)}>
          {pending ? (pendingLabel ?? "Working…") : label}
        </button>
      )}
      <ActionError error={error} />
    </div>
  );
}

export const DANGER_BUTTON = BUTTON_VARIANTS.danger;
export const INPUT = "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-100";
