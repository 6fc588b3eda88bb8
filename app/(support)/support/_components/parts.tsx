import { AreaNav } from "@/components/ui/page-shell";

export function SupportNav() {
  return (
    <AreaNav
      label="Support console"
      links={[
        { href: "/support", text: "Customers" },
        { href: "/support/audit", text: "Audit log" },
      ]}
    />
  );
}

export function Card({ title, children, id }: { title: string; children: React.ReactNode; id?: string }) {
  return (
    <section id={id} aria-label={title} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <h2 className="text-lg font-semibold text-slate-900">{title}</h2>
      <div className="mt-3 space-y-3">{children}</div>
    </section>
  );
}

export function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="py-1 sm:grid sm:grid-cols-3 sm:gap-3">
      <dt className="text-sm font-medium text-slate-500">{label}</dt>
      <dd className="mt-0.5 break-all text-sm text-slate-900 sm:col-span-2 sm:mt-0">{children ?? "—"}</dd>
    </div>
  );
}

const TONE = {
  good: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  warn: "bg-amber-50 text-amber-900 ring-amber-200",
  bad: "bg-rose-50 text-rose-900 ring-rose-200",
  info: "bg-sky-50 text-sky-900 ring-sky-200",
  neutral: "bg-slate-100 text-slate-700 ring-slate-200",
} as const;

/** Status as text and colour (never colour alone). */
export function Badge({ tone, children }: { tone: keyof typeof TONE; children: React.ReactNode }) {
  return <span className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE[tone]}`}>{children}</span>;
}

export const HEALTH_LABEL: Record<string, string> = { UNKNOWN: "Not checked", HEALTHY: "Healthy", DEGRADED: "Degraded", KEY_UNREACHABLE: "Key unreachable", REVOKED: "Revoked" };
export const HEALTH_TONE: Record<string, keyof typeof TONE> = { UNKNOWN: "neutral", HEALTHY: "good", DEGRADED: "warn", KEY_UNREACHABLE: "bad", REVOKED: "bad" };
