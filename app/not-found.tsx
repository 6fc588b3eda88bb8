import type { Metadata } from "next";
import Link from "next/link";
import { CenteredCard } from "@/components/ui/page-shell";

export const metadata: Metadata = { title: "Page not found" };

/** Any path the portal does not have (HTTP 404): say so, and point to the three ways in. */
export default function NotFound() {
  return (
    <CenteredCard>
      <h1 className="text-2xl font-semibold text-slate-900">This page does not exist</h1>
      <p className="mt-3 text-slate-600">
        The address may be mistyped, or the link may be from an older version of the portal. Nothing was changed.
      </p>
      <ul className="mt-6 space-y-2 font-medium">
        <li>
          <Link href="/onboarding" className="text-brand-700 hover:underline">Customer admins: your key and onboarding</Link>
        </li>
        <li>
          <Link href="/tenants" className="text-brand-700 hover:underline">Provider operators: the dashboard</Link>
        </li>
        <li>
          <Link href="/support" className="text-brand-700 hover:underline">Support staff: the support console</Link>
        </li>
      </ul>
      <p className="mt-6 text-sm">
        <Link href="/" className="text-slate-600 hover:underline">Go to the home page</Link>
      </p>
    </CenteredCard>
  );
}
