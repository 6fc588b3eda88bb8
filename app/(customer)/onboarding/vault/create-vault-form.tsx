"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { createVault } from "../actions";

export function CreateVaultForm({ subscriptionId, regions, resourceGroups }: { subscriptionId: string; regions: string[]; resourceGroups: string[] }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const fieldError = (name: string) => error?.fields?.[name];

  // onSubmit, not a form action: a form action resets the fields, and a person fixing one field must not lose the others.
  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () => {
      setError(null);
      const result = await createVault({
        subscriptionId,
        resourceGroup: String(form.get("resourceGroup") ?? ""),
        name: String(form.get("name") ?? ""),
        region: String(form.get("region") ?? ""),
      });
      if (result.ok) router.push("/onboarding/key");
      else setError(result.error);
    });
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <p className="text-sm text-slate-600">
        The vault is created with the settings disk encryption needs: Azure RBAC permissions, soft delete (90 days) and purge protection (cannot be turned off later).
      </p>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Vault name" name="name" hint="3–24 letters, digits, hyphens; unique across Azure" error={fieldError("name")} />
        <div>
          <label htmlFor="new-vault-resourceGroup" className="block text-sm font-medium">
            Resource group
          </label>
          <select
            id="new-vault-resourceGroup"
            name="resourceGroup"
            disabled={resourceGroups.length === 0}
            className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2"
            aria-invalid={Boolean(fieldError("resourceGroup"))}
            aria-describedby={fieldError("resourceGroup") ? "new-vault-resourceGroup-error" : "new-vault-resourceGroup-hint"}
          >
            {resourceGroups.map((rg) => (
              <option key={rg} value={rg}>
                {rg}
              </option>
            ))}
          </select>
          <p id="new-vault-resourceGroup-hint" className="mt-1 text-xs text-slate-500">
            {resourceGroups.length === 0 ? "This subscription has no resource group you can see. Create one in the Azure portal (or ask its owner), then reload this page." : "The subscription's resource groups"}
          </p>
          {fieldError("resourceGroup") && (
            <p id="new-vault-resourceGroup-error" className="mt-1 text-sm text-red-700">
              {fieldError("resourceGroup")}
            </p>
          )}
        </div>
        <div>
          <label htmlFor="new-vault-region" className="block text-sm font-medium">
            Region
          </label>
          <select id="new-vault-region" name="region" className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2" aria-invalid={Boolean(fieldError("region"))} aria-describedby={fieldError("region") ? "new-vault-region-error" : undefined}>
            {regions.map((region) => (
              <option key={region} value={region}>
                {region}
              </option>
            ))}
          </select>
          {fieldError("region") && (
            <p id="new-vault-region-error" className="mt-1 text-sm text-red-700">
              {fieldError("region")}
            </p>
          )}
        </div>
      </div>
      <button type="submit" disabled={pending || resourceGroups.length === 0} className={BUTTON_STYLES.primary}>
        {pending ? "Creating vault…" : "Create vault"}
      </button>
      <ActionError error={error} />
    </form>
  );
}

function Field({ label, name, hint, error }: { label: string; name: string; hint: string; error?: string }) {
  const id = `new-vault-${name}`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={Boolean(error)}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
        className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2"
      />
      <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
        {hint}
      </p>
      {error && (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
