"use client";

import { useState } from "react";
import { ActionButton } from "@/components/ui/action-button";
import { rotateToNewestVersion } from "./key-actions";

/** "Use my newest key version": validated and probed like onboarding, then switched by the job engine. */
export function NewestKeyVersionButton() {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string[] } | null>(null);
  return (
    <div className="space-y-3">
      <ActionButton
        action={() => {
          setOutcome(null);
          return rotateToNewestVersion({});
        }}
        label="Use my newest key version"
        pendingLabel="Checking your newest key version…"
        onSuccess={(data) =>
          setOutcome({
            ok: data.results.every((r) => r.accepted),
            text: data.results.map((r) => (r.accepted ? `${r.region}: switching to ${r.targetKeyUrl}` : `${r.region}: ${r.checks.filter((c) => c.status === "fail").map((c) => `${c.reason}${c.fix ? ` ${c.fix}` : ""}`).join(" ")}`)),
          })
        }
      />
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
