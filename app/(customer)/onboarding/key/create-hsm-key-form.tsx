"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { PublicError } from "@/lib/errors";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { createKey } from "../actions";

/** An RSA-HSM key in the chosen Managed HSM pool (the only RSA type a pool holds). */
export function CreateHsmKeyForm() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<PublicError | null>(null);
  const nameError = error?.fields?.name;

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () => {
      setError(null);
      const result = await createKey({ name: String(form.get("name") ?? ""), keyType: "RSA-HSM", keySize: Number(form.get("keySize")) });
      if (result.ok) router.push("/onboarding/access");
      else setError(result.error);
    });
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="new-hsm-key-name" className="block text-sm font-medium">
            Key name
          </label>
          <input id="new-hsm-key-name" name="name" defaultValue="disk-encryption-key" aria-invalid={Boolean(nameError)} aria-describedby={nameError ? "new-hsm-key-name-error" : undefined} className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
          {nameError && (
            <p id="new-hsm-key-name-error" className="mt-1 text-sm text-red-700">
              {nameError}
            </p>
          )}
        </div>
        <div>
          <label htmlFor="new-hsm-key-size" className="block text-sm font-medium">
            RSA-HSM key size
          </label>
          <select id="new-hsm-key-size" name="keySize" defaultValue="3072" className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2">
            <option value="2048">2048 bits</option>
            <option value="3072">3072 bits (recommended)</option>
            <option value="4096">4096 bits</option>
          </select>
        </div>
      </div>
      <button type="submit" disabled={pending} className={BUTTON_STYLES.primary}>
        {pending ? "Creating key…" : "Create RSA-HSM key"}
      </button>
      <ActionError error={error} />
    </form>
  );
}
