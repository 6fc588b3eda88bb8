"use client";

import { useEffect, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import type { VerifyOutcome } from "@/lib/onboarding/service";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { verifyKey } from "../actions";

const WAITING_COPY: Record<string, string> = {
  ROLE_MISSING: "Azure is still spreading the new access (role propagation can take a few minutes).",
  THROTTLED: "Azure is throttling requests; trying again shortly.",
  UNAVAILABLE: "Key Vault did not answer as expected; trying again shortly.",
};

function minutes(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Live verification: attempts until the provider can use the key, or a diagnosis after 10 minutes. */
export function VerifyRunner({ alreadyVerified }: { alreadyVerified: boolean }) {
  const router = useRouter();
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);
  const [error, setError] = useState<PublicError | null>(null);
  const [running, setRunning] = useState(false);
  // Each run is a loop of attempts; "Verify again" starts a new run from scratch.
  const [run, setRun] = useState<{ id: number; restart: boolean } | null>(alreadyVerified ? null : { id: 0, restart: false });

  useEffect(() => {
    if (!run) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = async (restart: boolean) => {
      setRunning(true);
      const result = await verifyKey({ restart });
      if (cancelled) return;
      setRunning(false);
      if (!result.ok) {
        setError(result.error);
        return;
      }
      setError(null);
      setOutcome(result.data);
      if (result.data.state === "waiting") timer = setTimeout(() => void attempt(false), result.data.retryInMs);
      // The server moved onboarding to Review: re-render the frame so the sidebar shows Verify done, Review open.
      if (result.data.state === "verified") router.refresh();
    };
    void attempt(run.restart);
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [run, router]);

  if (alreadyVerified && !outcome) {
    return <Verified />;
  }
  return (
    <div className="space-y-4">
      <div aria-live="polite" role="status" className="rounded-xl border border-slate-200 bg-white p-5">
        {!outcome && <p>{running ? "Checking that the provider can use your key…" : "Starting verification…"}</p>}
        {outcome?.state === "waiting" && (
          <div>
            <p className="font-medium">Not yet — attempt {outcome.attempt}.</p>
            <p className="text-slate-600">{WAITING_COPY[outcome.problem] ?? "Trying again shortly."}</p>
            <div className="mt-3 h-2 w-full overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
              <div className="h-full bg-brand-600 transition-all" style={{ width: `${Math.min(100, (outcome.elapsedMs / outcome.windowMs) * 100)}%` }} />
            </div>
            <p className="mt-2 text-sm text-slate-500">
              {minutes(outcome.elapsedMs)} of up to {minutes(outcome.windowMs)} · next attempt in {Math.ceil(outcome.retryInMs / 1000)} s
            </p>
          </div>
        )}
        {outcome?.state === "verified" && <Verified proven={outcome.proven} />}
        {outcome?.state === "failed" && (
          <div role="alert">
            <p className="font-medium text-red-800">{outcome.title}</p>
            <p className="mt-1">{outcome.fix}</p>
            {outcome.azureCode && <p className="mt-1 font-mono text-xs text-slate-500">Azure code: {outcome.azureCode} · after {outcome.attempt} attempts</p>}
          </div>
        )}
      </div>
      <ActionError error={error} />
      {(outcome?.state === "failed" || error) && (
        <button type="button" className={BUTTON_STYLES.primary} disabled={running} onClick={() => setRun((previous) => ({ id: (previous?.id ?? 0) + 1, restart: true }))}>
          Verify again
        </button>
      )}
    </div>
  );
}

function Verified({ proven }: { proven?: string }) {
  return (
    <div>
      <p className="font-medium text-emerald-800">Verified. {proven ?? "From its own tenant, the provider's app read your key, and Key Vault wrapped and unwrapped a test value with it for the app."}</p>
      <Link href="/onboarding/review" className="mt-3 inline-block font-medium text-brand-700 underline">
        Continue to review
      </Link>
    </div>
  );
}
