import type { DashboardAuditChain } from "@/lib/dashboard/readiness";

const time = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** Whether the audit log's hash chain is intact (a change or deletion in the database breaks it). */
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
    return (
      <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
        Audit log hash chain intact: {chain.checked} events verified ({time(chain.checkedAt)}).
      </p>
    );
  }
  return (
    <div role="alert" className="rounded-lg border border-rose-300 bg-rose-50 p-3 text-sm text-rose-900">
      <p className="font-medium">The audit log was tampered with: the hash chain breaks at event {chain.firstBrokenSeq?.toString()}.</p>
      <p>
        {chain.reason}. Run <code>npm run audit:verify</code> and compare with a backup.
      </p>
    </div>
  );
}
