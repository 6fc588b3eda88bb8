"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/auth/actions";
import type { PublicError } from "@/lib/errors";
import type { GrantView, RemovalResult } from "@/lib/onboarding/grants";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

/**
 * Role assignments and access policies the portal created and no longer needs, each with "Remove" behind a
 * confirmation. Used by the wizard (grants on an abandoned vault or key) and the status page (the admin's own
 * data role). `remove` is the page's server action forwarder.
 */
export function PortalGrants({
  grants,
  heading,
  intro,
  consequence,
  remove,
  testId,
}: {
  grants: GrantView[];
  heading: string;
  intro: string;
  consequence: string;
  remove: (input: { grantId: string }) => Promise<ActionResult<RemovalResult>>;
  testId: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (grants.length === 0 && !done) return null;
  return (
    <section data-testid={testId} aria-labelledby={`${testId}-heading`} className="max-w-3xl space-y-3 rounded-xl border border-amber-200 bg-amber-50 p-5 dark:border-amber-800 dark:bg-amber-950">
      <h2 id={`${testId}-heading`} className="font-medium">
        {heading}
      </h2>
      <p className="text-sm text-slate-700 dark:text-slate-300">{intro}</p>
      <ul className="space-y-2">
        {grants.map((grant) => (
          <li key={grant.id} className="flex flex-wrap items-center justify-between gap-3 rounded-lg bg-white p-3 text-sm dark:bg-slate-900">
            <span>
              {grant.what} on {grant.where}
              {grant.createdByName ? <span className="text-slate-500"> · granted by {grant.createdByName}</span> : null}
            </span>
            <ConfirmDialog
              trigger={
                <button type="button" className={BUTTON_STYLES.secondary} disabled={pending}>
                  Remove
                </button>
              }
              title={`Remove ${grant.what.charAt(0).toLowerCase()}${grant.what.slice(1)}?`}
              consequence={
                <p>
                  On {grant.where}. {consequence} The portal removes it with your own Azure account; if it is already gone, nothing changes.
                </p>
              }
              confirmLabel="Remove"
              onConfirm={() =>
                startTransition(async () => {
                  setError(null);
                  const result = await remove({ grantId: grant.id });
                  if (!result.ok) {
                    setError(result.error);
                    return;
                  }
                  setDone(`${grant.what} on ${grant.where}: ${result.data.result === "removed" ? "removed" : "was already gone"}.`);
                  router.refresh();
                })
              }
            />
          </li>
        ))}
      </ul>
      {done && (
        <p role="status" className="text-sm text-emerald-800 dark:text-emerald-200">
          {done}
        </p>
      )}
      <ActionError error={error} />
    </section>
  );
}
