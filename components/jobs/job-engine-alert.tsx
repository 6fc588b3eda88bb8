import type { JobEngineNotice } from "@/lib/jobs/engine-notice";

/** The job engine is down while work waits for it: what that means and what to do. */
export function JobEngineAlert({ notice }: { notice: JobEngineNotice | null }) {
  if (!notice) return null;
  return (
    <div role="alert" className="space-y-1 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950">
      <p className="font-semibold">{notice.title}</p>
      <p>{notice.body}</p>
      <p>{notice.fix}</p>
    </div>
  );
}
