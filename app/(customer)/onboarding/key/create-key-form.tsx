"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { createKey } from "../actions";

/**
 * A new key in the chosen store. A key vault: RSA or RSA-HSM, with a rotation policy. A Managed HSM pool: RSA-HSM only
 * (the only RSA type a pool holds), without a rotation policy, as the wizard's HSM path creates it.
 */
export function CreateKeyForm({ store = "vault" }: { store?: "vault" | "managedHsm" }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const [withRotation, setWithRotation] = useState(store === "vault");
  const fieldError = (name: string) => error?.fields?.[name];
  const hsm = store === "managedHsm";

  // onSubmit, not a form action: a form action resets the fields, and a person fixing one field must not lose the others.
  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const number = (name: string) => Number(form.get(name));
    startTransition(async () => {
      setError(null);
      const result = await createKey({
        name: String(form.get("name") ?? ""),
        keyType: hsm ? "RSA-HSM" : String(form.get("keyType") ?? "RSA"),
        keySize: number("keySize"),
        rotation: withRotation ? { rotateEveryDays: number("rotateEveryDays"), expiryDays: number("expiryDays"), notifyDaysBeforeExpiry: number("notifyDaysBeforeExpiry") } : undefined,
      });
      if (result.ok) router.push("/onboarding/access");
      else setError(result.error);
    });
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <div className={`grid gap-4 ${hsm ? "sm:grid-cols-2" : "sm:grid-cols-3"}`}>
        <div>
          <label htmlFor="new-key-name" className="block text-sm font-medium">
            Key name
          </label>
          <input id="new-key-name" name="name" defaultValue="disk-encryption-key" aria-invalid={Boolean(fieldError("name"))} aria-describedby={fieldError("name") ? "new-key-name-error" : undefined} className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
          {fieldError("name") && (
            <p id="new-key-name-error" className="mt-1 text-sm text-red-700">
              {fieldError("name")}
            </p>
          )}
        </div>
        {!hsm && (
          <div>
            <label htmlFor="new-key-type" className="block text-sm font-medium">
              Key type
            </label>
            <select id="new-key-type" name="keyType" className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2">
              <option value="RSA">RSA (software-protected)</option>
              <option value="RSA-HSM">RSA-HSM (Premium vaults)</option>
            </select>
          </div>
        )}
        <div>
          <label htmlFor="new-key-size" className="block text-sm font-medium">
            {hsm ? "RSA-HSM key size" : "Key size"}
          </label>
          <select id="new-key-size" name="keySize" defaultValue="3072" className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2">
            <option value="2048">2048 bits</option>
            <option value="3072">3072 bits (recommended)</option>
            <option value="4096">4096 bits</option>
          </select>
        </div>
      </div>
      {!hsm && (
        <fieldset className="rounded-lg border border-slate-200 p-4">
          <legend className="px-1 text-sm font-medium">Rotation policy</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={withRotation} onChange={(e) => setWithRotation(e.target.checked)} /> Rotate automatically and notify before expiry
          </label>
          {withRotation && (
            <div className="mt-3 grid gap-4 sm:grid-cols-3">
              <NumberField name="rotateEveryDays" label="Rotate every (days)" defaultValue={365} error={fieldError("rotation.rotateEveryDays")} />
              <NumberField name="expiryDays" label="Each version expires after (days)" defaultValue={730} error={fieldError("rotation.expiryDays")} />
              <NumberField name="notifyDaysBeforeExpiry" label="Notify before expiry (days)" defaultValue={30} error={fieldError("rotation.notifyDaysBeforeExpiry")} />
            </div>
          )}
        </fieldset>
      )}
      <button type="submit" disabled={pending} className={BUTTON_STYLES.primary}>
        {pending ? "Creating key…" : hsm ? "Create RSA-HSM key" : "Create key"}
      </button>
      <ActionError error={error} />
    </form>
  );
}

function NumberField({ name, label, defaultValue, error }: { name: string; label: string; defaultValue: number; error?: string }) {
  const id = `new-key-${name}`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input id={id} name={name} type="number" min={1} defaultValue={defaultValue} aria-invalid={Boolean(error)} aria-describedby={error ? `${id}-error` : undefined} className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
      {error && (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
