"use client";

import { useEffect, useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import type { FirewallOptions, VerificationView } from "@/lib/onboarding/verification";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { CopyButton } from "@/components/ui/copy-button";
import { minutesAndSeconds, WAITING_COPY } from "@/lib/onboarding/verification-copy";
import { skipProbe, verificationProgress, verifyKey } from "../actions";

/** How often the page asks where the verification stands (the worker makes the attempts, not this page). */
const POLL_MS = 2_000;

const inProgress = (view: VerificationView) => view.state === "checking" || view.state === "waiting";

/**
 * The verification job's progress. The page starts the job when none is in force and then only reads: the worker
 * makes the attempts, so closing the page does not stop it.
 */
export function VerifyRunner({ initial }: { initial: VerificationView }) {
  const router = useRouter();
  const [view, setView] = useState<VerificationView>(initial);
  const [error, setError] = useState<PublicError | null>(null);
  const [starting, setStarting] = useState(false);
  // Counts failed reads, so that polling goes on after one (the view itself did not change).
  const [failedReads, setFailedReads] = useState(0);
  const started = useRef(false);

  const start = async (restart: boolean) => {
    setStarting(true);
    const result = await verifyKey({ restart });
    setStarting(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    setView(result.data);
  };

  // Nothing in force yet: start it (once, also under React's double effects in development).
  useEffect(() => {
    if (initial.state !== "none" || started.current) return;
    started.current = true;
    void start(false);
  }, [initial.state]);

  const polling = inProgress(view);
  useEffect(() => {
    if (!polling) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      const result = await verificationProgress();
      if (cancelled) return;
      if (!result.ok) {
        setError(result.error);
        setFailedReads((count) => count + 1);
        return;
      }
      setError(null);
      setView(result.data);
      // The worker moved onboarding to Review: re-render the frame so the sidebar shows Verify done, Review open.
      if (result.data.state === "verified") router.refresh();
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [polling, view, failedReads, router]);

  if (view.state === "skipped") {
    return (
      <div data-testid="probe-skipped" role="status" className="space-y-2 rounded-xl border border-amber-200 bg-amber-50 p-5">
        <p className="font-medium">Probe skipped: the vault&apos;s firewall blocks the provider&apos;s probe, and you chose to let Azure&apos;s own check decide.</p>
        <p className="text-sm text-slate-700">Not verified: that the provider&apos;s app can read, wrap and unwrap your key. If Azure cannot reach the key, creating the disk encryption set fails and the status page shows Azure&apos;s error.</p>
        <ActionError error={error} />
        <div className="flex gap-4">
          <Link href="/onboarding/review" className="font-medium text-brand-700 underline">
            Continue to review
          </Link>
          <button type="button" className={BUTTON_STYLES.secondary} disabled={starting} onClick={() => void start(true)}>
            Verify again
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <div aria-live="polite" role="status" className="rounded-xl border border-slate-200 bg-white p-5">
        {(view.state === "none" || view.state === "checking") && <p>{view.state === "none" && !error ? "Starting verification…" : "Checking that the provider can use your key…"}</p>}
        {view.state === "waiting" && (
          <div>
            <p className="font-medium">Not yet — attempt {view.attempt}.</p>
            <p className="text-slate-600">{WAITING_COPY[view.problem] ?? "Trying again shortly."}</p>
            <div className="mt-3 h-2 w-full overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
              <div className="h-full bg-brand-600 transition-all" style={{ width: `${Math.min(100, (view.elapsedMs / view.windowMs) * 100)}%` }} />
            </div>
            <p className="mt-2 text-sm text-slate-500">
              {minutesAndSeconds(view.elapsedMs)} of up to {minutesAndSeconds(view.windowMs)} · {view.retryInMs > 0 ? `next attempt in ${Math.ceil(view.retryInMs / 1000)} s` : "next attempt now"}
            </p>
          </div>
        )}
        {inProgress(view) && (
          <p data-testid="verify-runs-on" className="mt-2 text-sm text-slate-500">
            This runs on the provider&apos;s side: you can close this page and come back, or follow it on the{" "}
            <Link href="/status" className="text-brand-700 underline">
              status page
            </Link>
            .
          </p>
        )}
        {view.state === "verified" && <Verified proven={view.proven} />}
        {view.state === "failed" && (
          <div role="alert">
            <p className="font-medium text-red-800">{view.title}</p>
            <p className="mt-1">{view.fix}</p>
            {view.azureCode && <p className="mt-1 font-mono text-xs text-slate-500">Azure code: {view.azureCode} · after {view.attempt} attempts</p>}
          </div>
        )}
      </div>
      {view.state === "failed" && view.firewall && <FirewallChoices options={view.firewall} onSkipped={() => router.push("/onboarding/review")} onError={setError} />}
      <ActionError error={error} />
      {(view.state === "failed" || error) && (
        <div className="flex items-center gap-4">
          <button type="button" className={BUTTON_STYLES.primary} disabled={starting} onClick={() => void start(true)}>
            Verify again
          </button>
          {view.state === "failed" && view.probeSkipped && (
            <Link href="/onboarding/review" className="font-medium text-brand-700 underline">
              Continue to review (probe skipped)
            </Link>
          )}
        </div>
      )}
    </div>
  );
}

function Verified({ proven }: { proven: string }) {
  return (
    <div>
      <p className="font-medium text-emerald-800">Verified. {proven}</p>
      <Link href="/onboarding/review" className="mt-3 inline-block font-medium text-brand-700 underline">
        Continue to review
      </Link>
    </div>
  );
}

/** Offered only when the vault's firewall blocks the probe: the two ways that really work. */
function FirewallChoices({ options, onSkipped, onError }: { options: FirewallOptions; onSkipped: () => void; onError: (error: PublicError | null) => void }) {
  const [skipping, setSkipping] = useState(false);
  const [understood, setUnderstood] = useState(false);
  return (
    <section aria-labelledby="firewall-options" className="space-y-4 rounded-xl border border-amber-200 bg-amber-50 p-5">
      <h2 id="firewall-options" className="font-medium">Two ways forward</h2>
      <p className="text-sm text-slate-700">
        The provider&apos;s probe reaches {options.vaultName} from the provider&apos;s network, not as a trusted Microsoft service, so &ldquo;Allow trusted Microsoft services&rdquo;
        does not let it through.
      </p>
      <div>
        <h3 className="font-medium">1. Allow the provider&apos;s egress addresses</h3>
        {options.egressAddresses.length === 0 ? (
          <p data-testid="no-egress" className="text-sm text-slate-700">The provider has not published egress addresses, so this option is not available. Ask the provider, or skip the probe.</p>
        ) : (
          <div className="space-y-2">
            <p className="text-sm text-slate-700">Run in Azure CLI, signed in to your tenant, then choose Verify again:</p>
            <pre data-testid="egress-commands" className="overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">{options.commands.join("\n")}</pre>
            <CopyButton text={options.commands.join("\n")} label="Copy commands" />
          </div>
        )}
      </div>
      <div>
        <h3 className="font-medium">2. Skip the probe and let Azure&apos;s own check decide</h3>
        <p className="text-sm text-slate-700">
          Not verified: that the provider&apos;s app can read, wrap and unwrap your key. Azure checks the key itself when it creates the disk encryption set; if Azure cannot reach
          the key through your firewall, creating the disk encryption set fails and the status page shows Azure&apos;s error. The review page and the audit log record that the
          probe was skipped.
        </p>
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input type="checkbox" checked={understood} onChange={(event) => setUnderstood(event.target.checked)} />I understand what is not verified
        </label>
        <button
          type="button"
          className={`${BUTTON_STYLES.secondary} mt-2`}
          disabled={!understood || skipping}
          onClick={async () => {
            setSkipping(true);
            const result = await skipProbe({});
            setSkipping(false);
            if (!result.ok) {
              onError(result.error);
              return;
            }
            onError(null);
            onSkipped();
          }}
        >
          Skip the probe and continue to review
        </button>
      </div>
    </section>
  );
}
