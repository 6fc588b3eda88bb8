import type { DashboardAuditChain } from "@/lib/dashboard/readiness";

const time = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** Whether the audit log's hash chain is intact, checked against the signed checkpoints, and when it was last verified. */
export function AuditChainStatus({ chain }: { chain: DashboardAuditChain | null }) {
  if (!chain) return null;
  if ("unavailable" in chain) {
    return (
      <p role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
        The audit log check could not run ({time(chain.checkedAt)}); it runs again in a few minutes.
      </p>
    );
  }
  if (chain.ok) {
    const anchor = chain.checkpoints > 0
      ? `against ${chain.checkpoints} signed checkpoint${chain.checkpoints === 1 ? "" : "s"}${chain.lastCheckpointAt ? ` (newest ${time(chain.lastCheckpointAt)})` : ""}`
      : "with no signed checkpoint yet";
    return (
      <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
        Audit log hash chain intact: {chain.checked} events verified {anchor}. Last verified {time(chain.checkedAt)}.
      </p>
    );
  }
  return (
    <div role="alert" className="rounded-lg border border-rose-300 bg-rose-50 p-3 text-sm text-rose-900">
      <p className="font-medium">
        The audit log was tampered with{chain.firstBrokenSeq !== undefined ? `: the first broken event is ${chain.firstBrokenSeq.toString()}` : ""}.
      </p>
      <p>
        {chain.reason}. Run <code>npm run audit:verify</code> and compare with a backup. Last verified {time(chain.checkedAt)}.
      </p>
    </div>
  );
}
