import type { DashboardReadiness } from "@/lib/dashboard/readiness";
import { blockingItems } from "@/lib/provisioning/readiness";
import { Time } from "@/components/ui/time";

/** The provider's own Azure set-up, shown at the top only when something is red. */
export function ReadinessBanner({ readiness }: { readiness: DashboardReadiness | null }) {
  if (!readiness || readiness.ok) return null;
  if ("unavailable" in readiness) {
    return (
      <div role="alert" className="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-950">
        <p className="font-semibold">The provider readiness check could not run (<Time value={readiness.checkedAt} />).</p>
        <p className="mt-1 text-sm">The dashboard below comes from the database and is still current. The portal&apos;s log has the error; the check runs again in a few minutes.</p>
      </div>
    );
  }
  const failing = blockingItems(readiness);
  // Warnings (e.g. a count the CMK app may not read) never block; they are listed only beside a real failure.
  const shown = readiness.items.filter((item) => !item.ok);
  return (
    <div role="alert" className="mb-6 rounded-xl border border-red-300 bg-red-50 p-4 text-red-950">
      <p className="font-semibold">
        Provider set-up needs attention: {failing.length} readiness {failing.length === 1 ? "check fails" : "checks fail"} (checked <Time value={readiness.checkedAt} />).
      </p>
      <ul className="mt-2 space-y-2 text-sm">
        {shown.map((item) => (
          <li key={item.id}>
            <strong>{item.warning ? `Warning — ${item.title}` : item.title}:</strong> {item.detail}
            {item.fix && <span className="block">Fix: {item.fix}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
