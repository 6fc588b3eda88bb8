import type { Metadata } from "next";
import { SignInButton, type SignInPrompt } from "@/components/auth/sign-in-flow";
import { AREA_HOME, safeReturnPath, type Area } from "@/lib/auth/roles";
import { stepUpClaimsRequest } from "@/lib/auth/step-up";
import { serverEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Sign in" };

const COPY: Record<Area, { title: string; text: string }> = {
  customer: {
    title: "Sign in to connect your key",
    text: "Use your organization's Microsoft Entra work account. To grant consent you (or a colleague) must be a Global Administrator or Privileged Role Administrator.",
  },
  operator: { title: "Sign in to the operator dashboard", text: "Use your provider work account. You need the Operator role on the CMK Portal app." },
  support: { title: "Sign in to the support console", text: "Use your provider work account. You need the Support or SupportApprover role on the CMK Portal app (AuditReader for the audit log alone)." },
};

const REASONS: Record<string, { text: string; prompt?: SignInPrompt; stepUp?: boolean; label?: string; autoStart?: boolean }> = {
  expired: { text: "Your session expired. Sign in again to continue where you were." },
  "wrong-account": { text: "That account cannot use this area. Sign in with a different account." },
  consent: {
    text: "The portal needs your consent to manage Azure resources and Key Vault keys on your behalf. Sign in and accept the permissions Microsoft shows (administrators can consent for the whole organization). If your organization does not let users consent, an administrator must grant admin consent: Microsoft Entra admin center → Enterprise applications → CMK Portal → Permissions → Grant admin consent.",
    prompt: "consent",
  },
  interaction: { text: "Your organization requires an extra sign-in step, such as multifactor authentication. Sign in again and complete it when Microsoft asks.", prompt: "login" },
  "step-up": {
    text: "Revoking, approving a revocation, restoring and switching to another key need a fresh sign-in, so that nobody can do them from a browser left signed in. Sign in again (Microsoft asks for your password or other sign-in method, and any extra check your organization requires); you then come back to the page you were on and can repeat the action.",
    prompt: "login",
    stepUp: true,
    label: "Sign in again to confirm",
  },
  revalidate: {
    text: "Staff roles are re-checked with Microsoft every few minutes. Checking your sign-in…",
    prompt: "none",
    autoStart: true,
  },
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const area: Area = params.area === "operator" || params.area === "support" ? params.area : "customer";
  const returnTo = safeReturnPath(params.returnTo, AREA_HOME[area]);
  const reason = params.reason ? REASONS[params.reason] : undefined;
  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">{COPY[area].title}</h1>
      <p className="mt-2 text-slate-600">{COPY[area].text}</p>
      {reason && (
        <p role="status" className="mt-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900">
          {reason.text}
        </p>
      )}
      <div className="mt-6">
        <SignInButton
          area={area === "customer" ? "customer" : "staff"}
          returnTo={returnTo}
          prompt={reason?.prompt}
          label={reason?.label}
          autoStart={reason?.autoStart}
          stepUp={reason?.stepUp ? { maxAge: serverEnv().STEP_UP_MAX_AGE_SECONDS, claims: stepUpClaimsRequest() } : undefined}
        />
      </div>
    </div>
  );
}
