import type { Metadata } from "next";
import { forbidden, redirect } from "next/navigation";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { serverEnv } from "@/lib/env";
import Link from "next/link";
import { organizationLabel } from "@/lib/onboarding/organization";
import { customerOnboarding, submission } from "@/lib/onboarding/queries";
import { canView, STEP_PATH } from "@/lib/onboarding/steps";
import { WizardFrame } from "../_components/wizard-frame";
import { SubmitForm } from "./submit-form";
import { PROBE_SKIPPED_NOTICE } from "@/lib/onboarding/verification";

export const metadata: Metadata = { title: "Review and submit" };

const when = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—");

export default async function ReviewStepPage() {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const { tenant, onboarding } = await customerOnboarding(db(), access.user.tenantId);
  if (!canView(onboarding.step, "REVIEW")) redirect(STEP_PATH[onboarding.step]);
  const submitted = await submission(db(), tenant.id);
  const rows: [string, React.ReactNode][] = [
    ["Organization", `${tenant.displayName} (${organizationLabel(tenant)}, tenant ${tenant.tenantId})`],
    ["Provider app", `${serverEnv().CMK_APP_DISPLAY_NAME} — service principal ${tenant.servicePrincipalObjectId ?? "—"}`],
    [onboarding.permissionModel === "MANAGED_HSM" ? "Managed HSM" : "Key vault", <span key="v" className="break-all font-mono text-sm">{onboarding.vaultResourceId}</span>],
    ["Region", onboarding.region ?? "—"],
    ["Permission model", onboarding.permissionModel === "MANAGED_HSM" ? "Managed HSM local RBAC (Crypto Service Encryption User on the key)" : onboarding.permissionModel === "RBAC" ? "Azure RBAC (role on the key)" : "Access policy (get, wrap key, unwrap key)"],
    ["Key version to use", <span key="k" className="break-all font-mono text-sm">{onboarding.keyUrl}</span>],
    ["Access granted", when(onboarding.accessGrantedAt)],
    onboarding.probeSkippedAt && !onboarding.verifiedAt
      ? ["Verified by the provider", <span key="s" data-testid="probe-skipped"><strong>Probe skipped</strong> on {when(onboarding.probeSkippedAt)} (the vault&apos;s firewall blocks it). {PROBE_SKIPPED_NOTICE}</span>]
      : ["Verified by the provider", when(onboarding.verifiedAt)],
  ];
  return (
    <WizardFrame user={access.user} tenantName={organizationLabel(tenant)} current={onboarding.step} viewing="REVIEW" title="Review and submit">
      <div className="max-w-3xl space-y-6">
        <dl className="divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
          {rows.map(([label, value]) => (
            <div key={label} className="grid gap-1 px-5 py-3 sm:grid-cols-[12rem_1fr]">
              <dt className="text-sm text-slate-500">{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        {submitted ? (
          <div role="status" className="rounded-xl border border-emerald-200 bg-emerald-50 p-5">
            <p className="font-medium text-emerald-900">
              Submitted by {submitted.by}
              {submitted.at ? ` on ${when(submitted.at)}` : ""}.
            </p>
            <p className="mt-1 text-slate-700">The provider is creating your disk encryption set; there is nothing more to submit.</p>
            <Link href="/status" className="mt-3 inline-block font-medium text-brand-700 underline">
              Follow it on the status page
            </Link>
          </div>
        ) : (
          <>
            <p className="text-slate-600">
              Submitting asks the provider to create a disk encryption set in {onboarding.region} that uses this key version. You can follow it on your status page; nothing is
              encrypted with your key until it reports <em>Succeeded</em>.
            </p>
            <SubmitForm defaultRotation={onboarding.rotationToLatest} />
          </>
        )}
      </div>
    </WizardFrame>
  );
}
