import Link from "next/link";
import { BrandMark } from "@/components/ui/page-shell";

const AUDIENCES = [
  {
    href: "/onboarding",
    who: "Customer admins",
    title: "Bring your own key",
    text: "Sign in with your work account, grant consent, pick your Key Vault and key, and watch your disk encryption set come up.",
    cta: "Start onboarding",
  },
  {
    href: "/tenants",
    who: "Provider operators",
    title: "Operator dashboard",
    text: "Every customer tenant's onboarding step, key health and history, at thousands of tenants.",
    cta: "Open dashboard",
  },
  {
    href: "/support",
    who: "Support staff",
    title: "Support console",
    text: "Rotate or revoke a customer's key with a second person's approval and a tamper-evident audit trail.",
    cta: "Open console",
  },
] as const;

export default function LandingPage() {
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-6 py-16 outline-none">
      <BrandMark />
      <h1 className="mt-8 max-w-3xl text-4xl font-semibold tracking-tight text-slate-900">
        Your data on our disks, encrypted with a key only you control.
      </h1>
      <p className="mt-4 max-w-3xl text-lg text-slate-600">
        CMK Portal connects a Key Vault key in your own Azure tenant to the disks we run for you, using Azure&apos;s
        cross-tenant customer-managed keys. You keep the key, you can rotate it, and you can cut off access at any time.
      </p>
      <ul className="mt-12 grid gap-6 md:grid-cols-3">
        {AUDIENCES.map((audience) => (
          <li key={audience.href} className="flex flex-col rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
            <p className="text-sm font-medium text-brand-700">{audience.who}</p>
            <h2 className="mt-1 text-xl font-semibold">{audience.title}</h2>
            <p className="mt-2 flex-1 text-slate-600">{audience.text}</p>
            <Link
              href={audience.href}
              className="mt-6 inline-flex items-center justify-center rounded-lg bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
            >
              {audience.cta}
            </Link>
          </li>
        ))}
      </ul>
    </main>
  );
}
