import type { Metadata } from "next";
import Link from "next/link";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { serverEnv } from "@/lib/env";
import { adminConsentShareLink } from "@/lib/consent/service";
import { CONSENT_PROBLEMS, isConsentProblem } from "@/lib/consent/problems";
import { organizationLabel } from "@/lib/onboarding/organization";
import { customerOnboarding } from "@/lib/onboarding/queries";
import { WizardFrame } from "../_components/wizard-frame";
import { ConsentPanel } from "./consent-panel";
import { forbidden } from "next/navigation";

export const metadata: Metadata = { title: "Consent" };


export default async function ConsentStepPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const { tenant, onboarding } = await customerOnboarding(db(), access.user.tenantId, access.user);
  const env = serverEnv();
  const problemKey = (await searchParams).problem;
  const problem = isConsentProblem(problemKey) ? CONSENT_PROBLEMS[problemKey] : tenant.consentStatus === "REMOVED" ? CONSENT_PROBLEMS.removed : null;
  const granted = tenant.consentStatus === "GRANTED";

  return (
    <WizardFrame user={access.user} tenantName={organizationLabel(tenant)} current={onboarding.step} viewing="CONSENT" title="Grant consent to the provider's app">
      <div className="max-w-3xl space-y-6">
        <dl className="grid gap-4 rounded-xl border border-slate-200 bg-white p-6 sm:grid-cols-2">
          <div>
            <dt className="text-sm text-slate-500">App</dt>
            <dd className="font-medium">{env.CMK_APP_DISPLAY_NAME}</dd>
            <dd className="font-mono text-xs text-slate-500">Application (client) ID {env.CMK_APP_CLIENT_ID}</dd>
          </div>
          <div>
            <dt className="text-sm text-slate-500">Publisher</dt>
            <dd className="font-medium">{env.PROVIDER_DISPLAY_NAME}</dd>
            <dd className="font-mono text-xs text-slate-500">Tenant {env.PROVIDER_TENANT_ID}</dd>
          </div>
          <div className="sm:col-span-2">
            <dt className="text-sm text-slate-500">What it gets</dt>
            <dd>
              <ul className="list-disc space-y-1 pl-5">
                <li>
                  Consent creates the app&apos;s enterprise application (service principal) in your organization. That lets the app{" "}
                  <strong>sign in to your tenant as itself</strong>, nothing more.
                </li>
                <li>
                  <strong>No directory access:</strong> the app asks for no Microsoft Graph permission at all, so it cannot read your users, groups
                  or apps, and it never signs anyone in.
                </li>
                <li>
                  <strong>No access to your keys yet:</strong> in step 4 (Grant access) you grant it, separately, the role <em>Key Vault Crypto Service Encryption User</em>{" "}
                  on one key only. It can then wrap and unwrap disk keys with that key, nothing else. You can remove either at any time: choose{" "}
                  <Link href="/status#disconnect" className="font-medium text-brand-700 underline">
                    Disconnect on your status page
                  </Link>
                  . The provider first moves its disks off your key and deletes its disk encryption set (two people at the provider
                  approve it); then the portal removes the role assignment and the enterprise app for you, or gives you the exact commands.
                  Removing them before that stops the provider&apos;s virtual machines that use your key.
                </li>
              </ul>
            </dd>
          </div>
        </dl>

        {granted && !problem ? (
          <div role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-emerald-900">
            <p className="font-medium">Consent granted.</p>
            <p className="mt-1 text-sm">The app is installed in your organization (service principal {tenant.servicePrincipalObjectId}).</p>
            <Link href="/onboarding/vault" className="mt-3 inline-block font-medium text-brand-700 underline">
              Continue to key vault
            </Link>
          </div>
        ) : (
          <>
            {problem && (
              <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-red-800">
                <p className="font-medium">{problem.message}</p>
                <p className="mt-1">{problem.fix}</p>
              </div>
            )}
            <p className="text-slate-600">
              To grant consent you need to be a Global Administrator, Privileged Role Administrator, Cloud Application Administrator or Application
              Administrator of your organization (the app requests no Microsoft Graph application permission, so the last two are enough). If you are
              not, send the link to someone who is.
            </p>
            <ConsentPanel shareLink={adminConsentShareLink(tenant.tenantId)} />
          </>
        )}
      </div>
    </WizardFrame>
  );
}
