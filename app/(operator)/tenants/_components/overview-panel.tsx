"use client";

// A client component for its payload, not for interactivity: the page sends the overview's numbers (a few hundred
// bytes) and this renders them, where a server component would send its whole rendered tree a second time.
import Link from "next/link";
import { STATUS_LABEL, STEP_LABEL, TENANT_STATUSES, tenantListSearchParams } from "@/lib/dashboard/filters";
import { CHART_STATES, chartTotal, type HealthBucket } from "@/lib/dashboard/health-chart";
import type { Overview } from "@/lib/dashboard/overview";
import { formatMinutes } from "./format";
import { LazyHealthChart } from "./health-charts-lazy";
import { STATUS_STYLE } from "./status-badge";

function Section({ title, children, className = "" }: { title: string; children: React.ReactNode; className?: string }) {
  return (
    <section aria-label={title} className={`rounded-xl border border-slate-200 bg-white p-5 shadow-sm ${className}`}>
      <h2 className="text-base font-semibold text-slate-900">{title}</h2>
      <div className="mt-3">{children}</div>
    </section>
  );
}

/** The chart's numbers for screen readers (the chart itself is visual). */
function ChartData({ caption, data, bucket }: { caption: string; data: HealthBucket[]; bucket: "hour" | "day" }) {
  return (
    <table className="sr-only">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{bucket === "hour" ? "Hour (UTC)" : "Day (UTC)"}</th>
          {CHART_STATES.map((state) => (
            <th key={state} scope="col">
              To {STATUS_LABEL[state]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {data.map((row) => (
          <tr key={row.at}>
            <th scope="row">{bucket === "hour" ? row.at.slice(0, 13).replace("T", " ") + ":00" : row.at.slice(0, 10)}</th>
            {CHART_STATES.map((state) => (
              <td key={state}>{row[state]}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Counts by health and by step (each a link to the filtered list), the funnel, and health changes over time. */
export function OverviewPanel({ overview }: { overview: Overview | null }) {
  if (!overview) {
    return (
      <div role="alert" className="rounded-xl border border-amber-300 bg-amber-50 p-5 text-amber-950">
        <p className="font-semibold">The overview is unavailable: the database did not answer.</p>
        <p className="mt-1 text-sm">Reload the page in a minute. If it stays like this, check the database&apos;s health; the portal&apos;s log has the error.</p>
      </div>
    );
  }
  if (overview.total === 0) {
    return (
      // The list below says there are no tenants yet; this only says what will appear here.
      <p className="rounded-xl border border-dashed border-slate-300 bg-white p-5 text-sm text-slate-600">
        Counts by health, the onboarding funnel and health changes over time appear here once the first customer has granted consent.
      </p>
    );
  }
  const firstReached = overview.funnel[0]?.reached || 1;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Section title="Health" className="lg:col-span-2">
        <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
          {TENANT_STATUSES.map((status) => (
            <li key={status}>
              <Link href={`/tenants?${tenantListSearchParams({ health: [status] })}`} className={`block rounded-lg p-3 ring-1 ring-inset hover:brightness-95 ${STATUS_STYLE[status]}`}>
                <span className="block text-2xl font-semibold tabular-nums">{overview.byStatus[status].toLocaleString("en-US")}</span>
                <span className="text-xs font-medium">{STATUS_LABEL[status]}</span>
              </Link>
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Onboarding funnel">
        <table className="w-full text-sm">
          <caption className="sr-only">Tenants that reached each onboarding step, tenants stalled there for more than a day, and the median time spent in the step (approximate: read from durations counted in buckets about 3 % wide)</caption>
          <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="py-1 pr-2">Step</th>
              <th scope="col" className="py-1 pr-2">Reached</th>
              <th scope="col" className="whitespace-nowrap py-1 pr-2 text-right">Now here</th>
              <th scope="col" className="whitespace-nowrap py-1 pr-2 text-right">Stalled &gt; 1 d</th>
              <th scope="col" className="py-1 text-right" title="Approximate: durations are counted in buckets about 3 % wide">
                Median time (approx.)
              </th>
            </tr>
          </thead>
          <tbody>
            {overview.funnel.map((row) => (
              <tr key={row.step} className="border-t border-slate-100">
                <th scope="row" className="py-1.5 pr-2 text-left font-medium">
                  <Link href={`/tenants?${tenantListSearchParams({ step: [row.step] })}`} className="hover:text-brand-700 hover:underline">
                    {STEP_LABEL[row.step]}
                  </Link>
                </th>
                <td className="w-2/5 py-1.5 pr-2">
                  <div className="flex items-center gap-2">
                    <div className="h-2 flex-1 rounded bg-slate-100">
                      <div className="h-2 rounded bg-brand-600" style={{ width: `${(row.reached / firstReached) * 100}%` }} />
                    </div>
                    <span className="w-14 text-right tabular-nums">{row.reached.toLocaleString("en-US")}</span>
                  </div>
                </td>
                <td className="py-1.5 pr-2 text-right tabular-nums">{overview.byStep[row.step].toLocaleString("en-US")}</td>
                <td className={`py-1.5 pr-2 text-right tabular-nums ${row.stalled > 0 ? "font-medium text-amber-800" : "text-slate-500"}`}>{row.step === "SUBMITTED" ? "—" : row.stalled.toLocaleString("en-US")}</td>
                <td className="py-1.5 text-right tabular-nums">{row.step === "SUBMITTED" ? "—" : formatMinutes(row.medianMinutes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <div className="grid gap-4">
        <HealthChangesSection title="Health changes, last 24 hours (UTC)" period="the last 24 hours" data={overview.healthChanges24h} bucket="hour" />
        <HealthChangesSection title="Health changes, last 7 days (UTC)" period="the last 7 days" data={overview.healthChanges7d} bucket="day" />
      </div>
    </div>
  );
}

export function OverviewSkeleton() {
  return (
    <div className="grid gap-4 lg:grid-cols-2" aria-busy="true" aria-label="Loading overview">
      <div className="h-28 animate-pulse rounded-xl bg-slate-200/70 lg:col-span-2" />
      <div className="h-64 animate-pulse rounded-xl bg-slate-200/70" />
      <div className="h-64 animate-pulse rounded-xl bg-slate-200/70" />
    </div>
  );
}

/** A health-changes chart for one period, with its data as a table for screen readers, or a plain "none". */
function HealthChangesSection({ title, period, data, bucket }: { title: string; period: string; data: Overview["healthChanges24h"]; bucket: "hour" | "day" }) {
  return (
    <Section title={title}>
      {chartTotal(data) === 0 ? (
        <p className="text-sm text-slate-600">No health changes in {period}.</p>
      ) : (
        <>
          <LazyHealthChart data={data} bucket={bucket} />
          <ChartData caption={`Health changes per ${bucket}, ${period.replace(/^the /, "")}`} data={data} bucket={bucket} />
        </>
      )}
    </Section>
  );
}
