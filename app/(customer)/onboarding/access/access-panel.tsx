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
      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="one-click-heading" className="space-y-3 rounded-xl border border-slate-200 bg-white p-5">
          <h2 id="one-click-heading" className="font-semibold">
            Grant it now
          </h2>
          <p className="text-sm text-slate-600">The portal makes the assignment with your account (you need the right to assign roles on the vault).</p>
          <button type="button" onClick={grant} disabled={pending} className={BUTTON_STYLES.primary}>
            {pending ? "Working…" : "Grant access"}
          </button>
        </section>
        <section aria-labelledby="commands-heading" className="space-y-3 rounded-xl border border-slate-200 bg-white p-5">
          <h2 id="commands-heading" className="font-semibold">
            Or run a command
          </h2>
          <p className="text-sm text-slate-600">Run one yourself, or send it to someone who has the right. Then choose “It&apos;s done — check again”.</p>
          <button type="button" onClick={check} disabled={pending} className={BUTTON_STYLES.secondary}>
            It&apos;s done — check again
          </button>
        </section>
      </div>
      <ActionError error={error} />
      {needsAdmin && (
        <div role="alert" className="rounded-xl border border-amber-200 bg-amber-50 p-5 text-amber-950">
          <p className="font-medium">{needsAdmin}</p>
          <p className="mt-1">Send one of the commands below to someone who has that right. When they have run it, choose “It&apos;s done — check again”.</p>
        </div>
      )}
      <div className="space-y-4">
        <Snippet title="Azure CLI" code={snippets.cli} note={snippets.cliNote} />
        <Snippet title="Azure PowerShell" code={snippets.powershell} />
      </div>
    </div>
  );
}

function Snippet({ title, code, note }: { title: string; code: string; note?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div>
      <div className="flex items-center justify-between">
        <p className="text-sm font-medium">{title}</p>
        <button
          type="button"
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium hover:bg-slate-100"
          onClick={async () => {
            await navigator.clipboard.writeText(code).catch(() => undefined);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : `Copy ${title} command`}
        </button>
      </div>
      {/* Focusable: a long command scrolls sideways, and keyboard users must be able to scroll it too. */}
      <pre tabIndex={0} aria-label={`${title} command`} className="mt-1 overflow-x-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100">
        <code>{code}</code>
      </pre>
      {note && <p className="mt-1 text-xs text-slate-500">{note}</p>}
    </div>
  );
}
