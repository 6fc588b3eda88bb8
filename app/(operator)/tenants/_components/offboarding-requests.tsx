// Open offboardings on the operator dashboard: a customer asked to disconnect; each links to the tenant page.
import Link from "next/link";
import { Time } from "@/components/ui/time";
import { STATE_LABEL } from "@/lib/offboarding/state";
import type { OpenOffboarding } from "@/lib/offboarding/queries";

export function OffboardingRequests({ rows }: { rows: OpenOffboarding[] }) {
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="offboarding-heading" className="mt-6 rounded-xl border border-amber-200 bg-amber-50 p-5 text-amber-950">
      <h2 id="offboarding-heading" className="text-lg font-semibold">
        Offboarding requests ({rows.length})
      </h2>
      <ul className="mt-2 space-y-1 text-sm">
        {rows.map((row) => (
          <li key={row.id}>
            <Link href={`/tenants/${row.customerTenantId}`} className="font-medium text-brand-700 underline">
              {row.customerTenant.displayName}
            </Link>{" "}
            — <span data-testid="offboarding-request-state">{row.state}</span>: {STATE_LABEL[row.state]} (asked by {row.requestedByName} <Time value={row.requestedAt} />)
          </li>
        ))}
      </ul>
    </section>
  );
}
