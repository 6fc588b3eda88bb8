"use client";

import { useEffect, useRef } from "react";
import { PageShell } from "@/components/ui/page-shell";

/** When the dashboard cannot load (e.g. the database is down): say so, and offer to try again. */
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const heading = useRef<HTMLDivElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <PageShell audience="Operator" title="Customer tenants">
      <div ref={heading} tabIndex={-1} role="alert" className="max-w-2xl rounded-xl border border-red-200 bg-red-50 p-6 text-red-950">
        <p className="font-semibold">The dashboard could not load its data.</p>
        <p className="mt-2">This usually means the portal cannot reach its database right now. Nothing about the customers&apos; keys or disks has changed.</p>
        {error.digest && <p className="mt-2 text-sm">Reference for the logs: <code>{error.digest}</code></p>}
        <button type="button" onClick={reset} className="mt-4 rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Try again
        </button>
      </div>
    </PageShell>
  );
}
