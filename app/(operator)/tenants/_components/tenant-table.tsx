"use client";

import Link from "next/link";
import { useState } from "react";
import { describeHealthCause } from "@/lib/health/causes";
import { STEP_LABEL, tenantListSearchParams, type SortColumn, type TenantListQuery } from "@/lib/dashboard/filters";
import type { TenantListRow } from "@/lib/dashboard/tenant-list";
import { StatusBadge } from "./status-badge";
import { CopyButton } from "@/components/ui/copy-button";
import { Time } from "@/components/ui/time";

const COLUMNS: { key: SortColumn; label: string }[] = [
  { key: "name", label: "Tenant" },
  { key: "step", label: "Onboarding step" },
  { key: "desState", label: "DES state" },
  { key: "health", label: "Health" },
  { key: "vault", label: "Key vault" },
  { key: "key", label: "Key (version in use)" },
  { key: "region", label: "Region" },
  { key: "lastCheck", label: "Last check" },
  { key: "lastChange", label: "Last change" },
];

function href(query: TenantListQuery, next: Partial<TenantListQuery>): string {
  const params = tenantListSearchParams({ ...query, ...next });
  return params.size ? `/tenants?${params}` : "/tenants";
}

function vaultName(vaultUri: string | null): string {
  return vaultUri ? new URL(vaultUri).hostname.split(".")[0] ?? vaultUri : "—";
}

/**
 * The list itself. A client component so that row selection survives the periodic refresh (the server
 * sends new rows; this component, and what is selected in it, stays).
 */
export function TenantTable({ rows, query, total, pageCount }: { rows: TenantListRow[]; query: TenantListQuery; total: number; pageCount: number }) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  if (rows.length === 0) {
    const filtered = query.q || query.step.length || query.health.length || query.region.length;
    return (
      <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center">
        <p className="text-lg font-medium text-slate-900">{filtered ? "No tenant matches this search and these filters." : total === 0 ? "No customer tenants yet." : "This page is past the end of the list."}</p>
        <p className="mt-2 text-slate-600">
          {filtered
            ? "Check the spelling, search for part of a name, tenant id or key URL, or clear the filters."
            : total === 0
              ? "Tenants appear here as soon as a customer administrator grants consent in the onboarding wizard."
              : "Go back to the first page."}
        </p>
        {(filtered || total > 0) && (
          <Link href="/tenants" className="mt-4 inline-block font-medium text-brand-700 hover:underline">
            Show all tenants
          </Link>
        )}
      </div>
    );
  }

  return (
    <div>
      {selected.size > 0 && (
        <div className="mb-2 flex items-center gap-3 text-sm text-slate-700">
          <span>{selected.size} selected</span>
          <CopyButton label="Copy tenant ids" copiedLabel="Tenant ids copied" text={() => rows.filter((r) => selected.has(r.id)).map((r) => r.tenantId).join("\n")} />
          <button type="button" className="font-medium text-slate-600 hover:underline" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      )}
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="tenant-table min-w-full divide-y divide-slate-200 whitespace-nowrap text-sm">
          <caption className="sr-only">Customer tenants, {total} matching, sorted by {COLUMNS.find((c) => c.key === query.sort)?.label} {query.dir === "asc" ? "ascending" : "descending"}</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="w-8 px-3 py-2">
                <span className="sr-only">Select</span>
              </th>
              {COLUMNS.map((column) => {
                const active = query.sort === column.key;
                const nextDir = active && query.dir === "asc" ? "desc" : "asc";
                return (
                  <th key={column.key} scope="col" aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : "none"} className="whitespace-nowrap px-3 py-2">
                    <Link href={href(query, { sort: column.key, dir: nextDir, page: 1 })} scroll={false} className="inline-flex items-center gap-1 hover:text-brand-700">
                      {column.label}
                      <span aria-hidden="true" className={active ? "text-brand-700" : "text-slate-300"}>
                        {active ? (query.dir === "asc" ? "▲" : "▼") : "↕"}
                      </span>
                    </Link>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((row) => (
              <tr key={row.id} className={selected.has(row.id) ? "bg-brand-50" : undefined}>
                <td>
                  <input type="checkbox" aria-label={`Select ${row.displayName}`} checked={selected.has(row.id)} onChange={() => toggle(row.id)} className="h-4 w-4 accent-brand-600" />
                </td>
                <td>
                  <Link href={`/tenants/${row.id}`} className="font-medium text-brand-700 hover:underline">
                    {row.displayName}
                  </Link>
                  <div className="font-mono text-xs text-slate-500">{row.tenantId}</div>
                </td>
                <td>{row.step ? STEP_LABEL[row.step] : "—"}</td>
                <td>
                  {row.desState ?? "—"}
                  {row.desCount > 1 && <div className="text-xs text-slate-500">+{row.desCount - 1} more</div>}
                </td>
                <td>
                  <StatusBadge status={row.status} />
                  {row.status === "FAILED" && row.desErrorCode && <div className="mt-1 font-mono text-xs text-slate-600">{row.desErrorCode}</div>}
                  {row.status !== "FAILED" && row.healthCause && (
                    <div className="mt-1 max-w-56 truncate text-xs text-slate-600" title={`${row.healthCause}: ${describeHealthCause(row.healthCause).title}`}>
                      {describeHealthCause(row.healthCause).title}
                    </div>
                  )}
                </td>
                <td className="font-mono text-xs" title={row.vaultUri ?? undefined}>
                  {vaultName(row.vaultUri)}
                </td>
                <td className="font-mono text-xs" title={row.keyUrl ?? undefined}>
                  {row.keyName ? (
                    <>
                      {row.keyName}
                      <div className="text-slate-500">{row.keyVersion?.slice(0, 8)}…</div>
                    </>
                  ) : (
                    "—"
                  )}
                </td>
                <td>{row.region ?? "—"}</td>
                <td className="text-xs text-slate-600"><Time value={row.lastHealthCheckAt} /></td>
                <td className="text-xs text-slate-600"><Time value={row.lastHealthChangeAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pages" className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-700">
        <span>
          {(query.page - 1) * query.pageSize + 1}–{(query.page - 1) * query.pageSize + rows.length} of {total.toLocaleString("en-US")} tenants
        </span>
        <span className="flex items-center gap-3">
          {query.page > 1 ? (
            <Link href={href(query, { page: query.page - 1 })} scroll={false} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium hover:bg-slate-50">
              Previous
            </Link>
          ) : (
            <span aria-disabled="true" className="rounded-md border border-slate-200 px-3 py-1.5 text-slate-500">Previous</span>
          )}
          <span>
            Page {query.page} of {pageCount}
          </span>
          {query.page < pageCount ? (
            <Link href={href(query, { page: query.page + 1 })} scroll={false} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium hover:bg-slate-50">
              Next
            </Link>
          ) : (
            <span aria-disabled="true" className="rounded-md border border-slate-200 px-3 py-1.5 text-slate-500">Next</span>
          )}
        </span>
      </nav>
    </div>
  );
}
