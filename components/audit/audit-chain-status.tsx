import type { DashboardAuditChain } from "@/lib/dashboard/readiness";
import { Alert } from "@/components/ui/alert";
import { Time } from "@/components/ui/time";

/** Whether the audit log's hash chain is intact, checked against the signed checkpoints, and when it was last verified. */
export function AuditChainStatus({ chain }: { chain: DashboardAuditChain | null }) {
  if (!chain) return null;
  if ("unavailable" in chain) {
    return (
      <Alert tone="warning">
        The audit log check could not run (<Time value={chain.checkedAt} />); it runs again in a few minutes.
      </Alert>
    );
  }
  if (chain.ok) {
    const anchor = chain.checkpoints > 0 ? (
      <>
        against {chain.checkpoints} signed checkpoint{chain.checkpoints === 1 ? "" : "s"}
        {chain.lastCheckpointAt && (
          <>
            {" "}(newest <Time value={chain.lastCheckpointAt} />)
          </>
        )}
      </>
    ) : (
      "with no signed checkpoint yet"
    );
    return (
      <Alert tone="success">
        Audit log hash chain intact: {chain.checked} events verified {anchor}. Last verified <Time value={chain.checkedAt} />.
      </Alert>
    );
  }
  return (
    <div role="alert" className="rounded-lg border border-rose-300 bg-rose-50 p-3 text-sm text-rose-900">
      <p className="font-medium">
        The audit log was tampered with{chain.firstBrokenSeq !== undefined ? `: the first broken event is ${chain.firstBrokenSeq.toString()}` : ""}.
      </p>
      <p>
        {chain.reason}. Run <code>npm run audit:verify</code> and compare with a backup. Last verified <Time value={chain.checkedAt} />.
      </p>
    </div>
  );
}
