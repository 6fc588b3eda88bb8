import type { Metadata } from "next";
import Link from "next/link";
import { forbidden, redirect } from "next/navigation";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { serverEnv } from "@/lib/env";
import { organizationLabel } from "@/lib/onboarding/organization";
import { customerOnboarding } from "@/lib/onboarding/queries";
import { resourceGroupsFor, searchVaults, subscriptionsFor, type VaultPage } from "@/lib/onboarding/service";
import { canView, STEP_PATH } from "@/lib/onboarding/steps";
import { WizardFrame } from "../_components/wizard-frame";
import { AzureProblem } from "../_components/azure-problem";
import { selectVault } from "../actions";
import { CreateVaultForm } from "./create-vault-form";
import { hsmPoolsFor, type HsmCandidate } from "@/lib/onboarding/managed-hsm";
import { HsmPools } from "./hsm-pools";
import { SelectedStore, StoreCandidate, SubscriptionSelect } from "./store-parts";
import { KeyStoreChoice, type KeyStore } from "./key-store-choice";

export const metadata: Metadata = { title: "Choose a key vault" };

type Search = { subscription?: string; q?: string; page?: string; store?: string };

export default async function VaultStepPage({ searchParams }: { searchParams: Promise<Search> }) {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const ctx = { db: db(), user: access.user };
  const { tenant, onboarding } = await customerOnboarding(ctx.db, access.user.tenantId);
  if (!canView(onboarding.step, "KEY_VAULT")) redirect(STEP_PATH[onboarding.step]);
  const params = await searchParams;
  const store: KeyStore = params.store === "hsm" || params.store === "vault" ? params.store : onboarding.permissionModel === "MANAGED_HSM" ? "hsm" : "vault";

  let subscriptions: Awaited<ReturnType<typeof subscriptionsFor>> = [];
  let listError: unknown = null;
  let page: VaultPage | null = null;
  let resourceGroups: string[] = [];
  let pools: { subscriptionId: string; pools: HsmCandidate[] } | null = null;
  try {
    subscriptions = await subscriptionsFor(ctx);
    const subscriptionId = params.subscription ?? onboarding.subscriptionId ?? subscriptions[0]?.id;
    if (subscriptionId && subscriptions.some((s) => s.id === subscriptionId)) {
      if (store === "hsm") pools = { subscriptionId, pools: await hsmPoolsFor(ctx, subscriptionId) };
      else [page, resourceGroups] = await Promise.all([searchVaults(ctx, { subscriptionId, search: params.q, page: Number(params.page) || 1 }), resourceGroupsFor(ctx, subscriptionId)]);
    }
  } catch (error) {
    listError = error;
  }
  const regions = serverEnv().PROVIDER_DES_REGIONS;
  const pageLink = (n: number) => `/onboarding/vault?${new URLSearchParams({ subscription: page?.subscriptionId ?? "", q: params.q ?? "", page: String(n) })}`;

  return (
    <WizardFrame user={access.user} tenantName={organizationLabel(tenant)} current={onboarding.step} viewing="KEY_VAULT" title="Choose a key vault">
      <div className="space-y-8">
        <KeyStoreChoice current={store} />
        {onboarding.vaultResourceId && <SelectedStore resourceId={onboarding.vaultResourceId} />}
        {store === "hsm" ? (
          <>
            {listError ? <AzureProblem error={listError} /> : null}
            {pools && <HsmPools pools={pools.pools} subscriptions={subscriptions} subscriptionId={pools.subscriptionId} regions={regions} />}
          </>
        ) : (
        <>
        <p className="max-w-3xl text-slate-600">
          Your key must live in a vault in <strong>{regions.join(" or ")}</strong> (where your disks run), with soft delete and purge protection on. Pick one below — each vault shows
          what is ready and what is not — or create a new one with the right settings.
        </p>
        {listError ? <AzureProblem error={listError} /> : null}
        {!listError && subscriptions.length === 0 ? (
          <div role="alert" className="max-w-3xl rounded-lg border border-amber-200 bg-amber-50 p-4 text-amber-900">
            <p className="font-medium">Your account cannot see any Azure subscription of {organizationLabel(tenant)}.</p>
            <p className="mt-1">
              Granting consent needs a directory role; choosing a key vault needs access to the subscription that holds it. Ask the subscription&apos;s owner to give you
              Reader (to pick an existing vault) or Contributor (to create one) on it — or on the vault&apos;s resource group — then reload this page (new access can take a few minutes to apply).
              Alternatively, a colleague who has that access can continue the onboarding from here: your progress is saved.
            </p>
          </div>
        ) : (
        <form method="get" className="flex flex-wrap items-end gap-3" role="search" aria-label="Find a key vault">
          <SubscriptionSelect id="subscription" subscriptions={subscriptions} selected={page?.subscriptionId} />
          <div>
            <label htmlFor="vault-search" className="block text-sm font-medium">
              Search vaults
            </label>
            <input id="vault-search" name="q" defaultValue={params.q} placeholder="Name, resource group or region" className="mt-1 w-72 rounded-md border border-slate-300 px-3 py-2" />
          </div>
          <button type="submit" className="rounded-lg border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-50">
            Show vaults
          </button>
        </form>
        )}

        {page && (
          <section aria-labelledby="vault-list-heading">
            <h2 id="vault-list-heading" className="text-lg font-semibold">
              {page.total} {page.total === 1 ? "vault" : "vaults"}
              {params.q ? ` matching “${params.q}”` : ""}
            </h2>
            {page.total === 0 ? (
              <p className="mt-3 text-slate-600">No vaults here{params.q ? " match your search" : ""}. Create one below.</p>
            ) : (
              <ul className="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
                {page.vaults.map((vault) => (
                  <StoreCandidate
                    key={vault.vaultResourceId}
                    name={vault.name}
                    facts={`${vault.resourceGroup} · ${vault.location} · ${vault.rbacAuthorization ? "Azure RBAC" : "Access policies"}`}
                    readiness={vault.readiness}
                    checks={vault.checks}
                    checksId={`checks-${vault.name}`}
                    use={selectVault.bind(null, { vaultResourceId: vault.vaultResourceId })}
                  />
                ))}
              </ul>
            )}
            {page.pageCount > 1 && (
              <nav aria-label="Vault pages" className="mt-4 flex items-center gap-4 text-sm">
                {page.page > 1 ? <Link href={pageLink(page.page - 1)} className="font-medium text-brand-700 underline">Previous</Link> : <span className="text-slate-500">Previous</span>}
                <span>
                  Page {page.page} of {page.pageCount}
                </span>
                {page.page < page.pageCount ? <Link href={pageLink(page.page + 1)} className="font-medium text-brand-700 underline">Next</Link> : <span className="text-slate-500">Next</span>}
              </nav>
            )}
          </section>
        )}

        {page && (
          <section aria-labelledby="create-vault-heading" className="rounded-xl border border-slate-200 bg-white p-6">
            <h2 id="create-vault-heading" className="text-lg font-semibold">
              Create a new vault
            </h2>
            <div className="mt-3">
              <CreateVaultForm subscriptionId={page.subscriptionId} regions={regions} resourceGroups={resourceGroups} />
            </div>
          </section>
        )}
        </>
        )}
      </div>
    </WizardFrame>
  );
}
