import Link from "next/link";
import type { VerificationView } from "@/lib/onboarding/verification";
import { minutesAndSeconds, WAITING_COPY } from "@/lib/onboarding/verification-copy";

/** The key verification job while onboarding is not submitted: it goes on without the wizard open. */
export function VerificationStatus({ view }: { view: Exclude<VerificationView, { state: "none" }> }) {
  return (
    <section aria-labelledby="verification-heading" data-testid="verification-status" className="rounded-xl border border-slate-200 bg-white p-6">
      <h2 id="verification-heading" className="text-lg font-semibold">
        Key verification
      </h2>
      <div className="mt-2">
        {view.state === "checking" && <p role="status">In progress: checking that the provider can use your key…</p>}
        {view.state === "waiting" && (
          <div role="status">
            <p className="font-medium">In progress: not yet — attempt {view.attempt}.</p>
            <p className="text-slate-600">{WAITING_COPY[view.problem] ?? "Trying again shortly."}</p>
            <p className="mt-1 text-sm text-slate-500">
              {minutesAndSeconds(view.elapsedMs)} of up to {minutesAndSeconds(view.windowMs)}. This page follows it.
            </p>
          </div>
        )}
        {view.state === "verified" && (
          <div role="status">
            <p className="font-medium text-emerald-800">Verified. {view.proven}</p>
            <Link href="/onboarding/review" className="mt-2 inline-block font-medium text-brand-700 underline">
              Continue to review
            </Link>
          </div>
        )}
        {view.state === "failed" && (
          <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-red-800">
            <p className="font-medium">Verification failed: {view.title}</p>
            <p className="mt-1">{view.fix}</p>
            {view.azureCode && <p className="mt-1 font-mono text-xs text-red-700">Azure code: {view.azureCode} · after {view.attempt} attempts</p>}
            <Link href="/onboarding/verify" className="mt-2 inline-block font-medium text-brand-700 underline">
              {view.firewall ? "See the ways forward and verify again" : "Verify again"}
            </Link>
          </div>
        )}
        {view.state === "skipped" && (
          <div role="status">
            <p className="font-medium">Probe skipped: the vault&apos;s firewall blocks the provider&apos;s probe, and you chose to let Azure&apos;s own check decide.</p>
            <Link href="/onboarding/review" className="mt-2 inline-block font-medium text-brand-700 underline">
              Continue to review
            </Link>
          </div>
        )}
      </div>
    </section>
  );
}
