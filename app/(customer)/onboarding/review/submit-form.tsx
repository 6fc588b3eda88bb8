"use client";

import { useState, useTransition } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { submitOnboarding } from "./actions";

export function SubmitForm({ defaultRotation }: { defaultRotation: boolean }) {
  const router = useRouter();
  const [rotation, setRotation] = useState(defaultRotation);
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  return (
    <form
      className="space-y-4"
      onSubmit={(event) => {
        event.preventDefault();
        startTransition(async () => {
          setError(null);
          const result = await submitOnboarding({ rotationToLatest: rotation });
          // Replace, not push: Back from the status page must not return to a form that offers Submit again.
          if (result.ok) router.replace("/status");
          else setError(result.error);
        });
      }}
    >
      <label className="flex items-start gap-3">
        <input type="checkbox" className="mt-1" checked={rotation} onChange={(e) => setRotation(e.target.checked)} />
        <span>
          <span className="font-medium">Follow new key versions automatically</span>
          <span className="block text-sm text-slate-600">
            When you rotate the key in your vault, Azure moves your disks to the new version by itself (within about an hour). Turn off to change versions only on request.
          </span>
        </span>
      </label>
      <button type="submit" disabled={pending} className={BUTTON_STYLES.primary}>
        {pending ? "Submitting…" : "Submit and create my disk encryption set"}
      </button>
      <ActionError error={error} />
      {error?.code === "CONFLICT" && (
        <Link href="/status" className="inline-block font-medium text-brand-700 underline">
          Go to the status page
        </Link>
      )}
    </form>
  );
}
