import Link from "next/link";
import { ActionButton } from "@/components/ui/action-button";
import type { HsmCandidate } from "@/lib/onboarding/managed-hsm";
import { CheckList, ReadinessBadge } from "../_components/check-list";
import { selectHsm } from "../actions";

/** The subscription's Managed HSM pools with their readiness; the page fetches them. */
export function HsmPools({ pools, subscriptions, subscriptionId, regions }: { pools: HsmCandidate[]; subscriptions: { id: string; displayName: string }[]; subscriptionId: string; regions: string[] }) {
  return (
    <div className="space-y-6">
      <p className="max-w-3xl text-slate-600">
        The pool must be in <strong>{regions.join(" or ")}</strong> (where your disks run), activated (its security domain downloaded), with soft delete and purge protection on.
        Access is granted in the pool&apos;s own local RBAC, not in Azure RBAC.
      </p>
      <form method="get" className="flex flex-wrap items-end gap-3" aria-label="Choose a subscription">
        <input type="hidden" name="store" value="hsm" />
        <div>
          <label htmlFor="hsm-subscription" className="block text-sm font-medium">
            Subscription
          </label>
          <select id="hsm-subscription" name="subscription" defaultValue={subscriptionId} className="mt-1 rounded-md border border-slate-300 bg-white px-3 py-2">
            {subscriptions.map((s) => (
              <option key={s.id} value={s.id}>
                {s.displayName} ({s.id})
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="rounded-lg border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-50">
          Show pools
        </button>
      </form>
      <section aria-labelledby="hsm-list-heading">
        <h2 id="hsm-list-heading" className="text-lg font-semibold">
          {pools.length} Managed HSM {pools.length === 1 ? "pool" : "pools"}
        </h2>
        {pools.length === 0 ? (
          <p className="mt-3 max-w-3xl text-slate-600">
            No Managed HSM pool in this subscription. Creating and activating one takes the security domain ceremony, which the portal does not do for you:{" "}
            <Link className="font-medium text-brand-700 underline" href="https://learn.microsoft.com/azure/key-vault/managed-hsm/quick-create-cli">
              see Microsoft&apos;s quickstart
            </Link>
            , or use a Key Vault instead.
          </p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
            {pools.map((pool) => (
              <li key={pool.hsmResourceId} className="p-4">
                <div className="flex flex-wrap items-center justify-between gap-3">
                  <div>
                    <p className="font-medium">
                      {pool.name} <ReadinessBadge status={pool.readiness} />
                    </p>
                    <p className="text-sm text-slate-500">
                      {pool.resourceGroup} · {pool.location} · {pool.activationStatus === "Active" ? "Activated" : `Not activated (${pool.activationStatus ?? "unknown"})`}
                    </p>
                  </div>
                  <ActionButton action={selectHsm.bind(null, { hsmResourceId: pool.hsmResourceId })} label={`Use ${pool.name}`} pendingLabel="Checking…" next="/onboarding/key" disabled={pool.readiness === "fail"} describedBy={`hsm-checks-${pool.name}`} />
                </div>
                <details className="mt-3" open={pool.readiness === "fail"}>
                  <summary className="cursor-pointer text-sm font-medium text-brand-700">Readiness checks</summary>
                  <div id={`hsm-checks-${pool.name}`} className="mt-2">
                    <CheckList items={pool.checks} />
                  </div>
                </details>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
