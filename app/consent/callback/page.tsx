import type { Metadata } from "next";
import Link from "next/link";
import { CenteredCard } from "@/components/ui/page-shell";

export const metadata: Metadata = { title: "Admin consent" };

/** Where a forwarded admin-consent link returns. Nothing is trusted from here; the wizard re-checks with Graph. */
export default async function ConsentLinkDonePage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const granted = params.admin_consent === "True" && !params.error;
  return (
    <CenteredCard>
      <h1 className="text-2xl font-semibold">{granted ? "Consent granted — thank you" : "Consent was not granted"}</h1>
      <p className="mt-3 text-slate-600">
        {granted
          ? "Let the colleague who sent you the link know. In CMK Portal they choose “Check again” and continue with their key vault."
          : "Nothing was changed in your organization. If you meant to grant it, open the link again and accept."}
      </p>
      <Link href="/onboarding" className="mt-6 inline-block font-medium text-brand-700 underline">
        Go to CMK Portal
      </Link>
    </CenteredCard>
  );
}
