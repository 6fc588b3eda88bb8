"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import type { AccessSnippets } from "@/lib/onboarding/access";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { IAC_DOWNLOADS, iacDownloadPath } from "@/lib/onboarding/iac/downloads";
import { confirmAccess, grantAccess } from "../actions";

/** `store`: a key vault, or a Managed HSM pool (whose files use the existing pool and grant its local role). */
export function AccessPanel({ snippets, store = "vault" }: { snippets: AccessSnippets; store?: "vault" | "managedHsm" }) {
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
      <section aria-labelledby="iac-heading" className="space-y-3 rounded-xl border border-slate-200 bg-white p-5">
        <h2 id="iac-heading" className="font-semibold">
          Or apply it as code
        </h2>
        <p className="text-sm text-slate-600">
          The whole customer side in one run, filled in with your organization&apos;s values: the provider app&apos;s service principal (the same as consent),{" "}
          {store === "managedHsm"
            ? "a new RSA-HSM key in your pool if you want one (a switch in the file; by default your chosen key; the pool itself is never created), and this local role on the key."
            : "a new vault and key with a rotation policy if you want them (switches in the file; by default your chosen vault and key), and this grant on the key."}
        </p>
        <ul className="flex flex-wrap gap-3">
          {IAC_DOWNLOADS.map((d) => (
            <li key={d.file}>
              <a href={iacDownloadPath(d.file)} download={d.filename} className={BUTTON_STYLES.secondary}>
                Download the {d.label}
              </a>
              <p className="mt-1 text-xs text-slate-500">
                <span className="font-mono">{d.filename}</span> — {d.tool}
              </p>
            </li>
          ))}
        </ul>
        <p className="text-sm text-slate-600">
          After <span className="font-mono">terraform apply</span> or the script, choose “It&apos;s done — check again” above: the portal verifies the grant exactly as it does for the commands. The provider&apos;s
          documentation (<span className="font-mono">docs/customer-iac.md</span>) explains every setting.
        </p>
      </section>
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
