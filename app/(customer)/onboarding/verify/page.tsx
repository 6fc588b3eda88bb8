import type { Metadata } from "next";
import { forbidden, redirect } from "next/navigation";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { organizationLabel } from "@/lib/onboarding/organization";
import { customerOnboarding } from "@/lib/onboarding/queries";
import { canView, STEP_PATH } from "@/lib/onboarding/steps";
import { jobEngineNotice } from "@/lib/jobs/engine-notice";
import { jobEngineStatus } from "@/lib/jobs/heartbeat";
import { isInProgress, verificationView } from "@/lib/onboarding/verification";
import { JobEngineAlert } from "@/components/jobs/job-engine-alert";
import { WizardFrame } from "../_components/wizard-frame";
import { VerifyRunner } from "./verify-runner";

export const metadata: Metadata = { title: "Verify" };

export default async function VerifyStepPage() {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const { tenant, onboarding } = await customerOnboarding(db(), access.user.tenantId);
  if (!canView(onboarding.step, "VERIFY")) redirect(STEP_PATH[onboarding.step]);
  const verification = await verificationView(db(), access.user.tenantId);
  // The worker makes the attempts: say so when none runs, instead of a "checking…" that never ends.
  const engineNotice = jobEngineNotice(await jobEngineStatus(db()), "customer", verification.state === "none" || isInProgress(verification));
  return (
    <WizardFrame user={access.user} tenantName={organizationLabel(tenant)} current={onboarding.step} viewing="VERIFY" title="Verify the provider can use your key">
      <div className="max-w-3xl space-y-4">
        <p className="text-slate-600">
          The provider now proves, from its own tenant and with its own identity, that it can reach your key: it gets a token for your tenant through its federated
          credential, reads the key version <span className="break-all font-mono text-xs">{onboarding.keyUrl}</span>, and wraps and unwraps a random test value.
        </p>
        <JobEngineAlert notice={engineNotice} />
        <VerifyRunner initial={verification} />
      </div>
    </WizardFrame>
  );
}
