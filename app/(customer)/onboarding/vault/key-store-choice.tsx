"use client";

import { useRouter } from "next/navigation";

export type KeyStore = "vault" | "hsm";

/** Where the customer keeps the key: a radio group (arrow keys move and choose, as radios do); the page follows the choice. */
export function KeyStoreChoice({ current }: { current: KeyStore }) {
  const router = useRouter();
  const options: { value: KeyStore; label: string; hint: string }[] = [
    { value: "vault", label: "Key Vault", hint: "A vault (Standard or Premium): software or HSM-protected RSA keys, access by Azure RBAC or access policies." },
    { value: "hsm", label: "Managed HSM", hint: "A Managed HSM pool (FIPS 140-2 Level 3): RSA-HSM keys, access by the pool's local RBAC." },
  ];
  return (
    // Uncontrolled (defaultChecked), so the choice shows at once while the page follows it; keyed to reset after navigation.
    <fieldset key={current} className="max-w-3xl">
      <legend className="text-sm font-medium">Where is your key?</legend>
      <div className="mt-2 grid gap-3 sm:grid-cols-2">
        {options.map((option) => (
          <label key={option.value} className="flex cursor-pointer gap-3 rounded-lg border border-slate-300 bg-white p-3 has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600">
            <input
              type="radio"
              name="key-store"
              value={option.value}
              defaultChecked={current === option.value}
              onChange={() => router.replace(`/onboarding/vault?store=${option.value}`)}
              aria-describedby={`key-store-${option.value}-hint`}
              className="mt-1"
            />
            <span>
              <span className="font-medium">{option.label}</span>
              <span id={`key-store-${option.value}-hint`} className="block text-sm text-slate-600">
                {option.hint}
              </span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
