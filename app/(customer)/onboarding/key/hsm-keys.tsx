import { ActionButton } from "@/components/ui/action-button";
import type { HsmKeyCandidate } from "@/lib/onboarding/managed-hsm";
import { CheckList, ReadinessBadge } from "../_components/check-list";
import { selectKey } from "../actions";
import { CreateKeyForm } from "./create-key-form";

const date = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : "Never");

/** The keys of the chosen Managed HSM pool, and a form for a new RSA-HSM key; the page fetches them. */
export function HsmKeys({ hsmName, keys }: { hsmName: string; keys: HsmKeyCandidate[] }) {
  return (
    <>
      <section aria-labelledby="hsm-key-list-heading">
        <h2 id="hsm-key-list-heading" className="text-lg font-semibold">
          Keys in the Managed HSM {hsmName}
        </h2>
        {keys.length === 0 ? (
          <p className="mt-2 text-slate-600">This pool has no keys yet. Create one below.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
            {keys.map((key) => (
              <li key={key.name} className="flex flex-wrap items-start justify-between gap-4 p-4">
                <div>
                  <p className="font-medium">
                    {key.name} <ReadinessBadge status={key.readiness} />
                  </p>
                  <p className="text-sm text-slate-600">
                    {key.keyType ?? "?"} / {key.keySize ?? "?"} bits · {key.enabled ? "Enabled" : "Disabled"} · expires {date(key.expiresAt)} · {key.versionCount} {key.versionCount === 1 ? "version" : "versions"}
                  </p>
                  <p className="mt-1 text-xs text-slate-500">
                    Version to use: <span className="break-all font-mono">{key.currentVersion}</span>
                  </p>
                  <details className="mt-2" open={key.readiness !== "pass"}>
                    <summary className="cursor-pointer text-xs font-medium text-brand-700">Checks</summary>
                    <div id={`hsm-key-checks-${key.name}`} className="mt-2 max-w-md">
                      <CheckList items={key.checks} />
                    </div>
                  </details>
                </div>
                <ActionButton action={selectKey.bind(null, { keyName: key.name })} label={`Use ${key.name}`} pendingLabel="Checking…" next="/onboarding/access" disabled={key.readiness === "fail"} describedBy={`hsm-key-checks-${key.name}`} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="create-hsm-key-heading" className="rounded-xl border border-slate-200 bg-white p-6">
        <h2 id="create-hsm-key-heading" className="text-lg font-semibold">
          Create a new RSA-HSM key in {hsmName}
        </h2>
        <div className="mt-3">
          <CreateKeyForm store="managedHsm" />
        </div>
      </section>
    </>
  );
}
