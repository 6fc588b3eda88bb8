import { Alert } from "@/components/ui/alert";
import { Time } from "@/components/ui/time";
import { formatAge } from "@/lib/dashboard/worker-status";
import { SWEEP_LAG_WARNING_SECONDS, type FleetPanel as FleetPanelData } from "@/lib/fleet/panel";
import { WEBHOOK_FAILURE_WINDOW_HOURS } from "@/lib/fleet/stats";

function Stat({ label, value, detail, warn = false }: { label: string; value: React.ReactNode; detail?: React.ReactNode; warn?: boolean }) {
  return (
    <div className={`min-w-0 break-words rounded-lg border p-3 ${warn ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-slate-50"}`}>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className={`mt-1 text-lg font-semibold ${warn ? "text-amber-900" : "text-slate-900"}`}>{value}</dd>
      {detail && <dd className="mt-0.5 text-xs text-slate-600">{detail}</dd>}
    </div>
  );
}

const seconds = (value: number) => formatAge(value * 1000);

/** Every queue with work waiting, busiest first: due now, and (+n later) for jobs scheduled ahead. */
function QueueList({ queues }: { queues: Extract<FleetPanelData, { ok: true }>["queues"] }) {
  return (
    <ul aria-label="Queues with work waiting" className="space-y-0.5">
      {queues.map((q) => (
        <li key={q.queue} className="font-mono">
          {q.queue} {q.due}
          {q.delayed > 0 && <span className="text-slate-500"> (+{q.delayed} later)</span>}
        </li>
      ))}
    </ul>
  );
}

/** What the fleet is doing: workers and their heartbeats, the queues, health sweep lag, webhooks, ARM write budget. */
export function FleetPanel({ fleet }: { fleet: FleetPanelData }) {
  return (
    <section aria-labelledby="fleet-heading" className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <h2 id="fleet-heading" className="text-base font-semibold text-slate-900">
        Fleet
      </h2>
      {!fleet.ok ? (
        <Alert tone="warning" className="mt-3">
          {fleet.message}
        </Alert>
      ) : (
        <FleetState fleet={fleet} />
      )}
    </section>
  );
}

function FleetState({ fleet }: { fleet: Extract<FleetPanelData, { ok: true }> }) {
  const alive = fleet.workers.filter((w) => w.alive).length;
  const sweepBehind = fleet.sweep.lagSeconds > SWEEP_LAG_WARNING_SECONDS;
  const tokens = fleet.arm.budgets.map((b) => b.tokens);
  const paused = Math.max(0, ...fleet.arm.budgets.map((b) => b.pausedForSeconds));
  return (
    <div className="mt-3 space-y-4">
      {alive === 0 && (
        <Alert tone="warning" title="No worker is running">
          Provisioning, health checks, rotation and webhooks wait until a worker starts.
        </Alert>
      )}
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Workers" value={`${alive} running`} detail={fleet.workers.length > alive ? `${fleet.workers.length - alive} silent` : undefined} warn={alive === 0} />
        <Stat
          label="Queue depth"
          value={`${fleet.queuedNow} queued`}
          detail={fleet.queues.length > 0 ? <QueueList queues={fleet.queues} /> : "nothing waiting"}
        />
        <Stat label="Oldest queued job" value={fleet.oldestQueued ? seconds(fleet.oldestQueued.seconds) : "—"} detail={fleet.oldestQueued?.queue ?? "no job waiting"} />
        <Stat label="Health sweep lag" value={seconds(fleet.sweep.lagSeconds)} detail={fleet.sweep.lastSweepSecondsAgo !== null ? `last sweep ${seconds(fleet.sweep.lastSweepSecondsAgo)} ago` : "no sweep yet"} warn={sweepBehind} />
        <Stat label="Webhook failures" value={String(fleet.webhooks.failed)} detail={`in the last ${WEBHOOK_FAILURE_WINDOW_HOURS} h · ${fleet.webhooks.retrying} retrying`} warn={fleet.webhooks.failed > 0} />
        <Stat
          label="ARM write tokens"
          value={tokens.length > 0 ? `${Math.floor(Math.min(...tokens))} / ${fleet.arm.bucketSize}` : `${fleet.arm.bucketSize} / ${fleet.arm.bucketSize}`}
          detail={paused > 0 ? `paused ${seconds(paused)} by a 429` : tokens.length > 0 ? "left in the shared budget" : "no write yet"}
          warn={paused > 0}
        />
      </dl>
      {fleet.workers.length > 0 && (
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Workers and their last heartbeat</caption>
          <thead className="text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="py-1 pr-4 font-medium">Worker</th>
              <th scope="col" className="py-1 pr-4 font-medium">Host</th>
              <th scope="col" className="py-1 pr-4 font-medium">Started</th>
              <th scope="col" className="py-1 font-medium">Last heartbeat</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {fleet.workers.map((w) => (
              <tr key={w.instanceId}>
                <td className="py-1.5 pr-4 font-mono text-xs text-slate-800">
                  <span aria-hidden="true" className={`mr-2 inline-block h-2 w-2 rounded-full ${w.alive ? "bg-emerald-500" : "bg-amber-500"}`} />
                  {w.instanceId}
                  <span className="sr-only">{w.alive ? " (running)" : " (silent)"}</span>
                </td>
                <td className="py-1.5 pr-4 text-slate-700">
                  {w.hostname} · pid {w.pid}
                </td>
                <td className="py-1.5 pr-4 text-slate-700">
                  <Time value={w.startedAt} />
                </td>
                <td className="py-1.5 text-slate-700">
                  <Time value={w.lastSeenAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
