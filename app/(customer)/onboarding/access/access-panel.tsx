"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import type { AccessSnippets } from "@/lib/onboarding/access";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { confirmAccess, grantAccess } from "../actions";

export function AccessPanel({ snippets }: { snippets: AccessSnippets }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const [needsAdmin, setNeedsAdmin] = useState<string | null>(null);

  function grant() {
    startTransition(async () => {
      setError(null);
      const result = await grantAccess();
      if (!result.ok) return setError(result.error);
      if (result.data.status === "granted") router.push("/onboarding/verify");
      else setNeedsAdmin(result.data.reason);
    });
  }

  function check() {
    startTransition(async () => {
      setError(null);
      const result = await confirmAccess();
      if (result.ok) router.push("/onboarding/verify");
      else setError(result.error);
    });
  }

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap gap-3">
        <button type="button" onClick={grant} disabled={pending} className={BUTTON_STYLES.primary}>
          {pending ? "Working…" : "Grant access"}
        </button>
        {needsAdmin && (
          <button type="button" onClick={check} disabled={pending} className={BUTTON_STYLES.secondary}>
            It&apos;s done — check again
          </button>
        )}
      </div>
      <ActionError error={error} />
      {needsAdmin && (
        <div role="alert" className="space-y-4 rounded-xl border border-amber-200 bg-amber-50 p-5 text-amber-950">
          <p className="font-medium">{needsAdmin}</p>
          <p>Send one of these commands to someone who has that right. When they have run it, choose “It&apos;s done — check again”.</p>
          <Snippet title="Azure CLI" code={snippets.cli} />
          <Snippet title="Azure PowerShell" code={snippets.powershell} />
        </div>
      )}
    </div>
  );
}

function Snippet({ title, code }: { title: string; code: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div>
      <div className="flex items-center justify-between">
        <p className="text-sm font-medium">{title}</p>
        <button
          type="button"
          className="rounded-md border border-amber-300 bg-white px-2 py-1 text-xs font-medium hover:bg-amber-100"
          onClick={async () => {
            await navigator.clipboard.writeText(code).catch(() => undefined);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : `Copy ${title} command`}
        </button>
      </div>
      <pre className="mt-1 overflow-x-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100">
        <code>{code}</code>
      </pre>
    </div>
  );
}
