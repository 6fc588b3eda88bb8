"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { rotateToNewestVersion } from "./key-actions";

/** "Use my newest key version": validated and probed like onboarding, then switched by the job engine. */
export function NewestKeyVersionButton() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string[] } | null>(null);
  return (
    <div className="space-y-3">
      <button
        type="button"
        className={BUTTON_STYLES.primary}
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            setOutcome(null);
            const result = await rotateToNewestVersion({});
            if (!result.ok) {
              if (result.error.code === "UNAUTHENTICATED") router.push("/signin?area=customer&reason=expired&returnTo=/status");
              setError(result.error);
              return;
            }
            const accepted = result.data.results.every((r) => r.accepted);
            setOutcome({
              ok: accepted,
              text: result.data.results.map((r) => (r.accepted ? `${r.region}: switching to ${r.targetKeyUrl}` : `${r.region}: ${r.checks.filter((c) => c.status === "fail").map((c) => `${c.reason}${c.fix ? ` ${c.fix}` : ""}`).join(" ")}`)),
            });
            router.refresh();
          })
        }
      >
        {pending ? "Checking your newest key version…" : "Use my newest key version"}
      </button>
      <ActionError error={error} />
      {outcome && (
        <div role={outcome.ok ? "status" : "alert"} className={`rounded-lg border p-3 text-sm ${outcome.ok ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-red-200 bg-red-50 text-red-800"}`}>
          {outcome.text.map((line) => (
            <p key={line} className="break-all">
              {line}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}
