"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { confirmRestore } from "./key-actions";

/** The customer's admin is the second person of a restore that provider support asked for. */
export function ConfirmRestoreButton({ restoreRequestId }: { restoreRequestId: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  return (
    <div className="space-y-2">
      <button
        type="button"
        className={BUTTON_STYLES.primary}
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await confirmRestore({ restoreRequestId });
            if (!result.ok) {
              if (result.error.code === "UNAUTHENTICATED") router.push("/signin?area=customer&reason=expired&returnTo=/status");
              setError(result.error);
              return;
            }
            router.refresh();
          })
        }
      >
        {pending ? "Confirming…" : "Confirm: restore access to my key"}
      </button>
      <ActionError error={error} />
    </div>
  );
}
