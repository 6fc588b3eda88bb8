"use client";

import { useState, useTransition } from "react";
import type { PublicError } from "@/lib/errors";
import type { ContactView } from "@/lib/onboarding/notification-contact";
import { ActionError } from "@/components/ui/action-feedback";
import { BUTTON_STYLES } from "@/components/ui/action-button";
import { CopyButton } from "@/components/ui/copy-button";
import { setNotificationContact } from "./key-actions";

/** Where the key-expiry reminders go (30, 14 and 7 days before): an email address, your own webhook, or both. */
export function NotificationContactForm({ contact }: { contact: ContactView }) {
  const [saved, setSaved] = useState<ContactView>(contact);
  const [email, setEmail] = useState(contact.email ?? "");
  const [webhookUrl, setWebhookUrl] = useState(contact.webhookUrl ?? "");
  const [error, setError] = useState<PublicError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const fieldError = (name: string) => error?.fields?.[name];
  return (
    <section aria-labelledby="contact-heading" data-testid="notification-contact" className="rounded-xl border border-slate-200 bg-white p-6 dark:border-slate-700 dark:bg-slate-900">
      <h2 id="contact-heading" className="text-lg font-semibold">
        Expiry reminders
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">
        30, 14 and 7 days before your key expires, the provider reminds you here and, if you set them, by email and on your own webhook.
      </p>
      <form
        className="mt-4 grid gap-4 sm:grid-cols-2"
        onSubmit={(event) => {
          event.preventDefault();
          startTransition(async () => {
            setMessage(null);
            const result = await setNotificationContact({ email, webhookUrl });
            if (!result.ok) {
              setError(result.error);
              return;
            }
            setError(null);
            setSaved(result.data);
            setMessage("Saved.");
          });
        }}
      >
        <label className="grid gap-1 text-sm">
          Email address
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="keys@example.com" aria-invalid={Boolean(fieldError("email"))} className="rounded border border-slate-300 px-3 py-2 dark:border-slate-600 dark:bg-slate-800" />
          {fieldError("email") && <span className="text-red-800 dark:text-red-300">{fieldError("email")}</span>}
        </label>
        <label className="grid gap-1 text-sm">
          Webhook URL (https)
          <input type="url" value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} placeholder="https://hooks.example.com/keys" aria-invalid={Boolean(fieldError("webhookUrl"))} className="rounded border border-slate-300 px-3 py-2 dark:border-slate-600 dark:bg-slate-800" />
          {fieldError("webhookUrl") && <span className="text-red-800 dark:text-red-300">{fieldError("webhookUrl")}</span>}
        </label>
        <div className="sm:col-span-2">
          <button type="submit" className={BUTTON_STYLES.primary} disabled={pending}>
            {pending ? "Saving…" : "Save reminder contact"}
          </button>
          {message && (
            <span role="status" className="ml-3 text-sm text-emerald-800 dark:text-emerald-200">
              {message}
            </span>
          )}
        </div>
      </form>
      <ActionError error={error} />
      {saved.webhookUrl && saved.webhookSecret && (
        <div className="mt-4 text-sm">
          <p>
            Your webhook receives signed <a className="text-brand-700 underline" href="https://www.standardwebhooks.com/" target="_blank" rel="noreferrer">Standard Webhooks</a> POSTs of type <code>tenant.key.expiring</code>. Verify them with this secret (only your organization&apos;s admins see it):
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-3">
            <code data-testid="webhook-secret" className="break-all rounded bg-slate-100 px-2 py-1 text-xs dark:bg-slate-800">{saved.webhookSecret}</code>
            <CopyButton text={saved.webhookSecret} label="Copy secret" />
          </div>
        </div>
      )}
    </section>
  );
}
