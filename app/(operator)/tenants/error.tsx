"use client";

import { AreaError } from "@/components/ui/area-states";

/** When the dashboard cannot load (e.g. the database is down): say so, and offer to try again. */
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <AreaError audience="Operator" title="Customer tenants" home="/tenants" digest={error.digest} reset={reset} />;
}
