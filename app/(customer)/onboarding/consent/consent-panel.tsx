"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { checkConsent, startConsent } from "./actions";

/** Grant consent yourself, or (shown from the start, not only after a failed attempt) send the link to an admin who can. */
export function ConsentPanel({ shareLink }: { shareLink: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const [copied, setCopied] = useState(false);

  function grant() {
    startTransition(async () => {
      const result = await startConsent();
      if (result.ok) window.location.assign(result.data.url);
      else setError(result.error);
    });
  }

  function checkAgain() {
    startTransition(async () => {
      const result = await checkConsent();
      if (result.ok) router.push("/onboarding/vault");
      else setError(result.error);
    });
  }

  async function copy() {
    await navigator.clipboard.writeText(shareLink).catch(() => undefined);
    setCopied(true);
  }

  return (
    <div className="space-y-6">
      <ActionError error={error} />
      <div className="flex flex-wrap gap-3">
        <button type="button" onClick={grant} disabled={pending} className="rounded-lg bg-brand-600 px-5 py-2.5 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
          Grant admin consent
        </button>
        <button type="button" onClick={checkAgain} disabled={pending} className="rounded-lg border border-slate-300 bg-white px-5 py-2.5 font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60">
          Check again
        </button>
      </div>
      <div className="rounded-lg border border-slate-200 bg-slate-50 p-4">
        <label htmlFor="consent-share-link" className="font-medium text-slate-900">
          Send this link to an administrator who can grant consent
        </label>
        <p className="mt-1 text-sm text-slate-600">
          A Global, Privileged Role, Cloud Application or Application Administrator opens it, signs in and accepts. Then come back here and choose “Check
          again”.
        </p>
        <div className="mt-3 flex gap-2">
          <input id="consent-share-link" readOnly value={shareLink} onFocus={(e) => e.currentTarget.select()} className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs" />
          <button type="button" onClick={copy} className="shrink-0 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-100">
            {copied ? "Copied" : "Copy link"}
          </button>
        </div>
      </div>
    </div>
  );
}
