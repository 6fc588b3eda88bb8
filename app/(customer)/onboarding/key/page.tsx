import type { Metadata } from "next";
import Link from "next/link";
import { forbidden, redirect } from "next/navigation";
import { ActionButton } from "@/components/ui/action-button";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { organizationLabel } from "@/lib/onboarding/organization";
import { customerOnboarding } from "@/lib/onboarding/queries";
import { keysOfSelectedVault } from "@/lib/onboarding/service";
import { canView, STEP_PATH } from "@/lib/onboarding/steps";
import { WizardFrame } from "../_components/wizard-frame";
import { CheckList, ReadinessBadge } from "../_components/check-list";
import { AzureProblem } from "../_components/azure-problem";
import { AppError } from "@/lib/errors";
import { grantMyselfKeyAccess, selectKey } from "../actions";
import { CreateKeyForm } from "./create-key-form";
import { AbandonedGrants } from "../_components/abandoned-grants";
import { keysOfSelectedHsm } from "@/lib/onboarding/managed-hsm";
import { HsmKeys } from "./hsm-keys";

export const metadata: Metadata = { title: "Choose a key" };

const date = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : "Never");

export default async function KeyStepPage() {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const ctx = { db: db(), user: access.user };
  const { tenant, onboarding } = await customerOnboarding(ctx.db, access.user.tenantId);
  if (!canView(onboarding.step, "KEY")) redirect(STEP_PATH[onboarding.step]);
  const hsm = onboarding.permissionModel === "MANAGED_HSM";
  let listing: Awaited<ReturnType<typeof keysOfSelectedVault>> | null = null;
  let hsmListing: Awaited<ReturnType<typeof keysOfSelectedHsm>> | null = null;
  let listError: unknown = null;
  try {
    if (hsm) hsmListing = await keysOfSelectedHsm(ctx);
    else listing = await keysOfSelectedVault(ctx);
  } catch (error) {
    listError = error;
  }

  return (
    <WizardFrame user={access.user} tenantName={organizationLabel(tenant)} current={onboarding.step} viewing="KEY" title="Choose a key">
      <div className="space-y-8">
        <p className="max-w-3xl text-slate-600">
          Disk encryption needs an <strong>RSA or RSA-HSM key of 2048, 3072 or 4096 bits</strong> that allows wrap and unwrap, is enabled, and does not expire within 30 days. The
          portal pins the exact key version it will use; with automatic rotation on, your disks follow new versions by themselves.
        </p>
        {onboarding.keyUrl && (
          <p role="status" className="rounded-lg bg-brand-50 p-3 text-sm text-brand-900">
            Selected version: <span className="break-all font-mono">{onboarding.keyUrl}</span>.{" "}
            <Link href="/onboarding/access" className="font-medium underline">
              Continue to access
            </Link>
          </p>
        )}
        <AbandonedGrants entraTenantId={access.user.tenantId} />
        {listError ? <AzureProblem error={listError} /> : null}
        {hsmListing && <HsmKeys hsmName={hsmListing.hsm.name} keys={hsmListing.keys} />}
        {!hsm && listError instanceof AppError && listError.azureCode === "ForbiddenByRbac" && (
          <ActionButton action={grantMyselfKeyAccess} label="Give me Key Vault Crypto Officer on this vault" pendingLabel="Assigning…" />
        )}
        {listing && (
          <section aria-labelledby="key-list-heading">
            <h2 id="key-list-heading" className="text-lg font-semibold">
              Keys in {listing.vault.name}
            </h2>
            {listing.keys.length === 0 ? (
              <p className="mt-2 text-slate-600">This vault has no keys yet. Create one below.</p>
            ) : (
              <div className="mt-3 overflow-x-auto rounded-xl border border-slate-200 bg-white">
                <table className="w-full text-left text-sm">
                  <thead className="bg-slate-50 text-slate-600">
                    <tr>
                      <th scope="col" className="px-4 py-2">Key</th>
                      <th scope="col" className="px-4 py-2">Type / size</th>
                      <th scope="col" className="px-4 py-2">Expires</th>
                      <th scope="col" className="px-4 py-2">State and operations</th>
                      <th scope="col" className="px-4 py-2"><span className="sr-only">Action</span></th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-200">
                    {listing.keys.map((key) => (
                      <tr key={key.name} className="align-top">
                        <td className="px-4 py-3">
                          <p className="font-medium">{key.name}</p>
                          <ReadinessBadge status={key.readiness} />
                          <p className="mt-1 text-xs text-slate-500">
                            Version to use: <span className="break-all font-mono">{key.currentVersion}</span>
                          </p>
                          <details className="mt-2" open={key.readiness !== "pass"}>
                            <summary className="cursor-pointer text-xs font-medium text-brand-700">Checks</summary>
                            <div id={`key-checks-${key.name}`} className="mt-2 max-w-md">
                              <CheckList items={key.checks} />
                            </div>
                          </details>
                        </td>
                        <td className="px-4 py-3 whitespace-nowrap">
                          {key.keyType ?? "?"} / {key.keySize ?? "?"}
                        </td>
                        <td className="px-4 py-3 whitespace-nowrap">{date(key.expiresAt)}</td>
                        <td className="px-4 py-3">
                          <p>
                            {key.enabled ? "Enabled" : "Disabled"} · {key.versionCount} {key.versionCount === 1 ? "version" : "versions"}
                          </p>
                          <p className="mt-1 text-xs text-slate-500">{key.operations.join(", ") || "No operations allowed"}</p>
                        </td>
                        <td className="px-4 py-3">
                          <ActionButton action={selectKey.bind(null, { keyName: key.name })} label={`Use ${key.name}`} pendingLabel="Checking…" next="/onboarding/access" disabled={key.readiness === "fail"} describedBy={`key-checks-${key.name}`} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        )}
        {listing && (
          <section aria-labelledby="create-key-heading" className="rounded-xl border border-slate-200 bg-white p-6">
            <h2 id="create-key-heading" className="text-lg font-semibold">
              Create a new key in {listing.vault.name}
            </h2>
            <div className="mt-3">
              <CreateKeyForm />
            </div>
          </section>
        )}
      </div>
    </WizardFrame>
  );
}
