import { STEP_LABEL, type OnboardingStepName } from "@/lib/dashboard/filters";
import type { TimelineEntry } from "@/lib/dashboard/tenant-detail";
import { describeHealthCause } from "@/lib/health/causes";
import { Time } from "@/components/ui/time";

const KIND_LABEL: Record<TimelineEntry["kind"], string> = { step: "Onboarding", job: "Job", health: "Health", audit: "Audit" };
const KIND_STYLE: Record<TimelineEntry["kind"], string> = {
  step: "bg-brand-50 text-brand-700",
  job: "bg-violet-50 text-violet-800",
  health: "bg-emerald-50 text-emerald-800",
  audit: "bg-slate-100 text-slate-700",
};

function Body({ entry }: { entry: TimelineEntry }) {
  switch (entry.kind) {
    case "step":
      return <p>Entered step {STEP_LABEL[entry.step as OnboardingStepName] ?? entry.step}</p>;
    case "health":
      return (
        <p>
          {entry.fromState} → <strong>{entry.toState}</strong>
          {entry.cause && (
            <span className="ml-2">
              {describeHealthCause(entry.cause).title} <span className="font-mono text-xs">({entry.cause})</span>
            </span>
          )}
          {entry.detail && <span className="block text-slate-600">{entry.detail}</span>}
        </p>
      );
    case "audit":
      return (
        <p>
          <span className="font-mono text-xs">{entry.action}</span> by {entry.actorType.toLowerCase()} {entry.actorId}
          {entry.actorRole ? ` (${entry.actorRole})` : ""} — {entry.result.toLowerCase()}
          {entry.reason && <span className="block text-slate-600">Reason: {entry.reason}</span>}
        </p>
      );
    case "job":
      return (
        <div>
          <p>
            {entry.jobKind} — <strong>{entry.status}</strong>
            {entry.lastErrorCode && <span className="ml-2 font-mono text-xs text-red-800">{entry.lastErrorCode}</span>}
            {entry.requestedBy && <span className="text-slate-500"> · requested by {entry.requestedBy}</span>}
          </p>
          {entry.attempts.length > 0 && (
            <ol className="mt-1 space-y-0.5 text-xs text-slate-600">
              {entry.attempts.map((attempt) => (
                <li key={attempt.attempt}>
                  Attempt {attempt.attempt}: <Time value={attempt.startedAt} />
                  {attempt.finishedAt ? "" : " (running)"}
                  {attempt.errorCode ? (
                    <>
                      {" "}
                      — <span className="font-mono text-red-800">{attempt.errorCode}</span>
                      {attempt.errorMessage ? `: ${attempt.errorMessage}` : ""}
                    </>
                  ) : attempt.finishedAt ? (
                    " — succeeded"
                  ) : null}
                </li>
              ))}
            </ol>
          )}
        </div>
      );
  }
}

/** Onboarding steps, jobs (with attempts and Azure error codes), health events and audit entries, newest first. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p className="mt-3 text-sm text-slate-600">Nothing has happened for this tenant yet.</p>;
  return (
    <ol className="mt-4 space-y-3">
      {entries.map((entry) => (
        <li key={`${entry.kind}-${entry.id}`} className="flex gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm">
          <span className={`h-fit whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${KIND_STYLE[entry.kind]}`}>{KIND_LABEL[entry.kind]}</span>
          <div className="min-w-0 flex-1">
            <span className="text-xs text-slate-600">
              <Time value={entry.at} />
            </span>
            <Body entry={entry} />
          </div>
        </li>
      ))}
    </ol>
  );
}
