import Link from "next/link";
import type { HsmCandidate } from "@/lib/onboarding/managed-hsm";
import { selectHsm } from "../actions";
import { StoreCandidate, SubscriptionSelect } from "./store-parts";

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
        <SubscriptionSelect id="hsm-subscription" subscriptions={subscriptions} selected={subscriptionId} />
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
              <StoreCandidate
                key={pool.hsmResourceId}
                name={pool.name}
                facts={`${pool.resourceGroup} · ${pool.location} · ${pool.activationStatus === "Active" ? "Activated" : `Not activated (${pool.activationStatus ?? "unknown"})`}`}
                readiness={pool.readiness}
                checks={pool.checks}
                checksId={`hsm-checks-${pool.name}`}
                use={selectHsm.bind(null, { hsmResourceId: pool.hsmResourceId })}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
