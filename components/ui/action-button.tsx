"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/auth/actions";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "./action-feedback";
import { BUTTON_VARIANTS } from "./button";

export const BUTTON_STYLES = { primary: BUTTON_VARIANTS.primary, secondary: BUTTON_VARIANTS.secondary } as const;

/** A button that runs one server action; on success it goes on to `next` (or refreshes), on failure it explains. */
export function ActionButton<T>({
  action,
  label,
  pendingLabel,
  next,
  variant = "primary",
  disabled,
  describedBy,
  onSuccess,
}: {
  action: () => Promise<ActionResult<T>>;
  label: string;
  pendingLabel?: string;
  next?: string;
  variant?: keyof typeof BUTTON_STYLES;
  disabled?: boolean;
  describedBy?: string;
  /** Runs with the action's data before navigating (e.g. to show what was accepted). */
  onSuccess?: (data: T) => void;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  return (
    <div className="space-y-3">
      <button
        type="button"
        disabled={disabled || pending}
        aria-describedby={describedBy}
        className={BUTTON_STYLES[variant]}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await action();
            if (!result.ok) {
              if (result.error.code === "UNAUTHENTICATED") router.push(`/signin?area=customer&reason=expired&returnTo=${encodeURIComponent(window.location.pathname + window.location.search)}`);
              setError(result.error);
              return;
            }
            onSuccess?.(result.data);
            if (next) router.push(next);
            else router.refresh();
          })
        }
      >
        {pending ? (pendingLabel ?? "Working…") : label}
      </button>
      <ActionError error={error} />
    </div>
  );
}
