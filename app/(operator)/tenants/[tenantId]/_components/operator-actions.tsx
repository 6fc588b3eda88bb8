"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import type { PublicError } from "@/lib/errors";
import { retryProvisioning, runHealthCheckNow } from "../actions";

type Outcome = { kind: "ok"; text: string } | { kind: "error"; error: PublicError } | null;

/** Retry a failed provisioning / run a health check now. The server checks the Operator role again. */
export function OperatorActions({ customerTenantId, canRetryProvisioning, canRunHealthCheck }: { customerTenantId: string; canRetryProvisioning: boolean; canRunHealthCheck: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const errorRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (outcome?.kind === "error") errorRef.current?.focus();
  }, [outcome]);

  function run(action: (input: unknown) => Promise<{ ok: true } | { ok: false; error: PublicError }>, done: string) {
    setOutcome(null);
    startTransition(async () => {
      const result = await action({ customerTenantId });
      if (result.ok) {
        setOutcome({ kind: "ok", text: done });
        router.refresh();
      } else {
        setOutcome({ kind: "error", error: result.error });
      }
    });
  }

  return (
    <div className="space-y-3">
      <div>
        <button
          type="button"
          disabled={!canRetryProvisioning || pending}
          onClick={() => run(retryProvisioning, "Provisioning retry queued. The timeline shows its progress.")}
          className="w-full rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:bg-slate-300"
        >
          Retry failed provisioning
        </button>
        {!canRetryProvisioning && <p className="mt-1 text-xs text-slate-500">Only a disk encryption set whose provisioning failed can be retried.</p>}
      </div>
      <div>
        <button
          type="button"
          disabled={!canRunHealthCheck || pending}
          onClick={() => run(runHealthCheckNow, "Health check queued. Its result appears in the timeline.")}
          className="w-full rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50 disabled:cursor-not-allowed disabled:text-slate-400"
        >
          Run health check now
        </button>
        {!canRunHealthCheck && <p className="mt-1 text-xs text-slate-500">Needs a provisioned disk encryption set.</p>}
      </div>
      <div aria-live="polite">
        {pending && <p className="text-sm text-slate-600">Working…</p>}
        {outcome?.kind === "ok" && <p className="rounded-md bg-emerald-50 p-2 text-sm text-emerald-900">{outcome.text}</p>}
      </div>
      {outcome?.kind === "error" && (
        <div ref={errorRef} tabIndex={-1} role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-950">
          <p className="font-medium">{outcome.error.message}</p>
          {outcome.error.azureCode && <p className="font-mono text-xs">Azure error: {outcome.error.azureCode}</p>}
          {outcome.error.fix && <p className="mt-1">{outcome.error.fix}</p>}
          {outcome.error.reference && (
            <p className="mt-1 text-xs">
              Reference: <code className="font-mono">{outcome.error.reference}</code>
            </p>
          )}
        </div>
      )}
    </div>
  );
}
