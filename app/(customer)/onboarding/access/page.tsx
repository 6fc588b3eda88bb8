import type { Metadata } from "next";
import Link from "next/link";
import { forbidden, redirect } from "next/navigation";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { accessSnippets, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME, keyScope, parseVaultResourceId } from "@/lib/onboarding/access";
import { organizationLabel } from "@/lib/onboarding/organization";
import { customerOnboarding } from "@/lib/onboarding/queries";
import { canView, STEP_PATH, stepIndex } from "@/lib/onboarding/steps";
import { WizardFrame } from "../_components/wizard-frame";
import { AccessPanel } from "./access-panel";
import { AbandonedGrants } from "../_components/abandoned-grants";
import { HsmAccess } from "./hsm-access";

export const metadata: Metadata = { title: "Grant access" };

export default async function AccessStepPage() {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const { tenant, onboarding } = await customerOnboarding(db(), access.user.tenantId);
  if (!canView(onboarding.step, "ACCESS")) redirect(STEP_PATH[onboarding.step]);
  if (onboarding.permissionModel === "MANAGED_HSM") {
    if (!onboarding.vaultResourceId || !onboarding.keyName || !tenant.servicePrincipalObjectId) redirect("/onboarding/key");
    return (
      <WizardFrame user={access.user} tenantName={organizationLabel(tenant)} current={onboarding.step} viewing="ACCESS" title="Grant the provider access to your key">
        <div className="max-w-3xl space-y-6">
          <AbandonedGrants entraTenantId={access.user.tenantId} />
          <HsmAccess hsmName={onboarding.vaultResourceId.split("/").pop() ?? ""} keyName={onboarding.keyName} servicePrincipalObjectId={tenant.servicePrincipalObjectId}
            grantedAt={onboarding.accessGrantedAt && stepIndex(onboarding.step) > stepIndex("ACCESS") ? onboarding.accessGrantedAt : null} />
        </div>
      </WizardFrame>
    );
  }
  const vault = onboarding.vaultResourceId ? parseVaultResourceId(onboarding.vaultResourceId) : null;
  if (!vault || !onboarding.keyName || !tenant.servicePrincipalObjectId) redirect("/onboarding/key");
  const rbac = onboarding.permissionModel === "RBAC";
  const snippets = accessSnippets({ permissionModel: rbac ? "RBAC" : "ACCESS_POLICY", vault, keyName: onboarding.keyName, servicePrincipalObjectId: tenant.servicePrincipalObjectId });

  return (
    <WizardFrame user={access.user} tenantName={organizationLabel(tenant)} current={onboarding.step} viewing="ACCESS" title="Grant the provider access to your key">
      <div className="max-w-3xl space-y-6">
        <AbandonedGrants entraTenantId={access.user.tenantId} />
        <dl className="grid gap-4 rounded-xl border border-slate-200 bg-white p-6">
          <div>
            <dt className="text-sm text-slate-500">What will be granted</dt>
            <dd>
              {rbac ? (
                <>
                  The role <strong>{CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}</strong> (get, wrap key, unwrap key) — on this one key only.
                </>
              ) : (
                <>
                  An <strong>access policy</strong> with key permissions get, wrap key and unwrap key (your vault uses access policies, which apply to the whole vault).
                </>
              )}
            </dd>
          </div>
          <div>
            <dt className="text-sm text-slate-500">To</dt>
            <dd>
              The provider&apos;s app (enterprise application object id <span className="font-mono">{tenant.servicePrincipalObjectId}</span>), as a service principal
            </dd>
          </div>
          <div>
            <dt className="text-sm text-slate-500">On</dt>
            <dd className="break-all font-mono text-sm">{rbac ? keyScope(vault.vaultResourceId, onboarding.keyName) : vault.vaultResourceId}</dd>
          </div>
        </dl>
        {onboarding.accessGrantedAt && stepIndex(onboarding.step) > stepIndex("ACCESS") ? (
          <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-emerald-900">
            Access granted on {onboarding.accessGrantedAt.toISOString().slice(0, 16).replace("T", " ")} UTC.{" "}
            <Link href="/onboarding/verify" className="font-medium underline">
              Continue to verification
            </Link>
          </p>
        ) : (
          <AccessPanel snippets={snippets} />
        )}
      </div>
    </WizardFrame>
  );
}
