"use client";

import { useId, useState } from "react";
import { toast } from "sonner";
import type { CheckItem } from "@/lib/onboarding/checks";
import type { RotationRequestResult } from "@/lib/support/rotation";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { rotateKey, setAutoRotation } from "../actions";
import { INPUT, StaffButton, useStaffAction } from "../../../_components/staff-form";

/** `listForbidden`: the provider's app may not list the key's versions (access policy without List). */
type Props = { customerTenantId: string; diskEncryptionSetId: string; onNewest: boolean; listForbidden: boolean; rotationToLatest: boolean; busy: boolean };

function Checks({ checks }: { checks: CheckItem[] }) {
  return (
    <ul className="space-y-1 text-sm" aria-label="Key checks">
      {checks.map((c) => (
        <li key={c.id} className={c.status === "fail" ? "text-rose-800" : c.status === "warn" ? "text-amber-900" : "text-emerald-800"}>
          <span className="font-medium">{c.status === "fail" ? "✗ " : c.status === "warn" ? "! " : "✓ "}{c.title}:</span> {c.reason}
          {c.fix && c.status !== "pass" && <span className="block pl-4 text-slate-700">Fix: {c.fix}</span>}
        </li>
      ))}
    </ul>
  );
}

export function RotationControls({ customerTenantId, diskEncryptionSetId, onNewest, listForbidden, rotationToLatest, busy }: Props) {
  const ids = { customerTenantId, diskEncryptionSetId };
  const keyUrlId = useId();
  const [keyUrl, setKeyUrl] = useState("");
  const [checks, setChecks] = useState<{ accepted: boolean; items: CheckItem[] } | null>(null);
  const custom = useStaffAction<RotationRequestResult>();
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start gap-3">
        <StaffButton label="Move to the newest key version" pendingLabel="Validating and queueing…" success="Rotation queued" disabled={busy || onNewest || listForbidden} action={() => rotateKey(ids)} />
        <StaffButton
          variant="secondary"
          label={rotationToLatest ? "Turn automatic rotation off" : "Turn automatic rotation on"}
          disabled={busy}
          success={rotationToLatest ? "Automatic rotation turned off" : "Automatic rotation turned on"}
          action={() => setAutoRotation({ ...ids, enabled: !rotationToLatest })}
        />
      </div>
      {listForbidden ? (
        <p className="text-sm text-slate-700">The newest version cannot be found from here: the vault&apos;s access policy does not let the provider&apos;s app list versions. Ask the customer for the new version&apos;s Key Identifier and use the form below.</p>
      ) : (
        onNewest && <p className="text-sm text-slate-600">The disk encryption set already uses the newest usable version.</p>
      )}
      <form
        className="space-y-2 rounded-lg border border-slate-200 p-4"
        onSubmit={(event) => {
          event.preventDefault();
          custom.run(
            () => rotateKey({ ...ids, keyUrl }),
            (data) => {
              setChecks({ accepted: data.accepted, items: data.checks });
              if (data.accepted) toast.success("Rotation queued");
            },
          );
        }}
      >
        <label htmlFor={keyUrlId} className="block text-sm font-medium text-slate-800">
          New key URL supplied by the customer
        </label>
        <input id={keyUrlId} name="keyUrl" className={INPUT} value={keyUrl} onChange={(e) => setKeyUrl(e.target.value)} placeholder="https://VAULT.vault.azure.net/keys/NAME/VERSION" required />
        <p className="text-xs text-slate-600">Checked like the onboarding key step, then proven with a wrap/unwrap probe before the switch.</p>
        <button type="submit" className={BUTTON_STYLES.secondary} disabled={busy || custom.pending}>
          {custom.pending ? "Validating…" : "Validate and switch to this key"}
        </button>
        <ActionError error={custom.error} />
        {checks && (
          <div role={checks.accepted ? "status" : "alert"} className={`rounded-lg border p-3 ${checks.accepted ? "border-emerald-200 bg-emerald-50" : "border-rose-200 bg-rose-50"}`}>
            <p className="mb-2 font-medium">{checks.accepted ? "The key passed every check; the switch is queued." : "This key cannot be used:"}</p>
            <Checks checks={checks.items} />
          </div>
        )}
      </form>
    </div>
  );
}
