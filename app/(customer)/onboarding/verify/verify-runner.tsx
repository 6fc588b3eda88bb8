"use client";

import { useEffect, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import type { FirewallOptions, VerifyOutcome } from "@/lib/onboarding/service";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { CopyButton } from "@/components/ui/copy-button";
import { skipProbe, verifyKey } from "../actions";

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
export function VerifyRunner({ alreadyVerified, probeSkipped = false }: { alreadyVerified: boolean; probeSkipped?: boolean }) {
  const router = useRouter();
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);
  const [error, setError] = useState<PublicError | null>(null);
  const [running, setRunning] = useState(false);
  // Each run is a loop of attempts; "Verify again" starts a new run from scratch.
  const [run, setRun] = useState<{ id: number; restart: boolean } | null>(alreadyVerified || probeSkipped ? null : { id: 0, restart: false });

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
  if (probeSkipped && !run) {
    return (
      <div data-testid="probe-skipped" role="status" className="space-y-2 rounded-xl border border-amber-200 bg-amber-50 p-5">
        <p className="font-medium">Probe skipped: the vault&apos;s firewall blocks the provider&apos;s probe, and you chose to let Azure&apos;s own check decide.</p>
        <p className="text-sm text-slate-700">Not verified: that the provider&apos;s app can read, wrap and unwrap your key. If Azure cannot reach the key, creating the disk encryption set fails and the status page shows Azure&apos;s error.</p>
        <div className="flex gap-4">
          <Link href="/onboarding/review" className="font-medium text-brand-700 underline">
            Continue to review
          </Link>
          <button type="button" className={BUTTON_STYLES.secondary} onClick={() => setRun({ id: 1, restart: true })}>
            Verify again
          </button>
        </div>
      </div>
    );
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
      {outcome?.state === "failed" && outcome.firewall && (
        <FirewallChoices
          options={outcome.firewall}
          onSkipped={() => router.push("/onboarding/review")}
          onError={setError}
        />
      )}
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
