// What the key vault list and the Managed HSM pool list share: the chosen store's note, the subscription picker, and
// one candidate with its readiness checks and "Use …" button.
import type { ReactNode } from "react";
import Link from "next/link";
import { ActionButton } from "@/components/ui/action-button";
import type { ActionResult } from "@/lib/auth/actions";
import type { CheckItem } from "@/lib/onboarding/checks";
import { CheckList, ReadinessBadge } from "../_components/check-list";

/** The vault or pool chosen so far (its name is the resource id's last segment). */
export function SelectedStore({ resourceId }: { resourceId: string }) {
  return (
    <p role="status" className="rounded-lg bg-brand-50 p-3 text-sm text-brand-900">
      Selected: <span className="font-mono">{resourceId.split("/").pop()}</span>.{" "}
      <Link href="/onboarding/key" className="font-medium underline">
        Continue to the key
      </Link>
    </p>
  );
}

export function SubscriptionSelect({ id, subscriptions, selected }: { id: string; subscriptions: { id: string; displayName: string }[]; selected: string | undefined }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        Subscription
      </label>
      <select id={id} name="subscription" defaultValue={selected} className="mt-1 rounded-md border border-slate-300 bg-white px-3 py-2">
        {subscriptions.map((s) => (
          <option key={s.id} value={s.id}>
            {s.displayName} ({s.id})
          </option>
        ))}
      </select>
    </div>
  );
}

/** One vault or pool: name and readiness, a line of facts, "Use …" (off when a check fails), the checks (open when one fails). */
export function StoreCandidate({ name, facts, readiness, checks, checksId, use }: {
  name: string;
  facts: ReactNode;
  readiness: "pass" | "warn" | "fail";
  checks: CheckItem[];
  checksId: string;
  use: () => Promise<ActionResult<unknown>>;
}) {
  return (
    <li className="p-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <p className="font-medium">
            {name} <ReadinessBadge status={readiness} />
          </p>
          <p className="text-sm text-slate-500">{facts}</p>
        </div>
        <ActionButton action={use} label={`Use ${name}`} pendingLabel="Checking…" next="/onboarding/key" disabled={readiness === "fail"} describedBy={checksId} />
      </div>
      <details className="mt-3" open={readiness === "fail"}>
        <summary className="cursor-pointer text-sm font-medium text-brand-700">Readiness checks</summary>
        <div id={checksId} className="mt-2">
          <CheckList items={checks} />
        </div>
      </details>
    </li>
  );
}
