import Link from "next/link";
import type { OnboardingStep } from "@/lib/db/generated/prisma/enums";
import { PageShell, type ShellUser } from "@/components/ui/page-shell";
import { STEP_LABEL, STEP_ORDER, STEP_PATH, stepIndex } from "@/lib/onboarding/steps";

const WIZARD_STEPS = STEP_ORDER.filter((step) => step !== "SUBMITTED");

/** The wizard's frame: where you are, what is done, what is still closed. */
export function WizardFrame({ user, tenantName, current, viewing, title, children }: { user: ShellUser; tenantName: string; current: OnboardingStep; viewing: OnboardingStep; title: string; children: React.ReactNode }) {
  return (
    <PageShell audience="Customer" title={title} user={user}>
      <p className="-mt-4 mb-6 text-sm text-slate-500">Onboarding for {tenantName}</p>
      <div className="grid gap-8 lg:grid-cols-[14rem_1fr]">
        <nav aria-label="Onboarding steps">
          <ol className="space-y-1">
            {WIZARD_STEPS.map((step, index) => {
              const done = stepIndex(step) < stepIndex(current);
              const open = stepIndex(step) <= stepIndex(current);
              const here = step === viewing;
              const label = (
                <>
                  <span aria-hidden="true" className={`flex h-6 w-6 shrink-0 items-center justify-center rounded-full text-xs font-semibold ${done ? "bg-emerald-600 text-white" : here ? "bg-brand-600 text-white" : "bg-slate-200 text-slate-600"}`}>
                    {done ? "✓" : index + 1}
                  </span>
                  <span>
                    {STEP_LABEL[step]}
                    <span className="sr-only">{done ? " (done)" : here ? " (current)" : open ? "" : " (not yet available)"}</span>
                  </span>
                </>
              );
              return (
                <li key={step}>
                  {open ? (
                    <Link href={STEP_PATH[step]} aria-current={here ? "step" : undefined} className={`flex items-center gap-3 rounded-lg px-3 py-2 ${here ? "bg-brand-50 font-medium text-brand-900" : "text-slate-700 hover:bg-slate-100"}`}>
                      {label}
                    </Link>
                  ) : (
                    <span className="flex items-center gap-3 px-3 py-2 text-slate-500">{label}</span>
                  )}
                </li>
              );
            })}
          </ol>
        </nav>
        <section>{children}</section>
      </div>
    </PageShell>
  );
}
