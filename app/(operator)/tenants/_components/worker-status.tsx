import type { WorkerStatusView } from "@/lib/dashboard/worker-status";

/** The job worker's heartbeat in the dashboard header: green when a worker beats, amber when jobs would wait. */
export function WorkerStatus({ status }: { status: WorkerStatusView }) {
  return (
    <p role="status" aria-label="Job worker" className={`flex items-center gap-2 text-sm ${status.running ? "text-slate-600" : "font-medium text-amber-800"}`}>
      <span aria-hidden="true" className={`inline-block h-2 w-2 rounded-full ${status.running ? "bg-emerald-500" : "bg-amber-500"}`} />
      {status.text}
    </p>
  );
}
