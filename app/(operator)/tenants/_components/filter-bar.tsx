"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useOptimistic, useRef, useState, useTransition } from "react";
import * as Popover from "@radix-ui/react-popover";
import {
  KEY_EXPIRING_DAYS,
  ONBOARDING_STEPS,
  STATUS_LABEL,
  STEP_LABEL,
  TENANT_STATUSES,
  tenantListSearchParams,
  type TenantListQuery,
} from "@/lib/dashboard/filters";

type MultiKey = "step" | "health" | "region";

/** Search and filters; every change goes into the URL (shareable), and the server answers with the new page. */
export function FilterBar({ query: committed, regions }: { query: TenantListQuery; regions: string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  // Checkboxes answer at once; the server's page follows.
  const [query, setOptimisticQuery] = useOptimistic(committed);
  const [search, setSearch] = useState(committed.q);
  const lastSubmitted = useRef(committed.q);

  function navigate(next: Partial<TenantListQuery>) {
    const nextQuery = { ...query, ...next, page: next.page ?? 1 };
    const params = tenantListSearchParams(nextQuery);
    const target = params.size ? `${pathname}?${params}` : pathname;
    startTransition(() => {
      setOptimisticQuery(nextQuery);
      router.replace(target, { scroll: false });
    });
  }

  // Search as you type, once typing pauses.
  useEffect(() => {
    if (search.trim() === lastSubmitted.current) return;
    const timer = setTimeout(() => {
      lastSubmitted.current = search.trim();
      navigate({ q: search.trim() });
    }, 350);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- navigate reads the latest query on purpose
  }, [search]);

  function toggle(key: MultiKey, value: string) {
    const current = query[key] as string[];
    const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
    navigate({ [key]: next } as Partial<TenantListQuery>);
  }

  const activeCount = query.step.length + query.health.length + query.region.length + (query.keyExpiring ? 1 : 0) + (query.q ? 1 : 0);

  return (
    <form
      role="search"
      aria-label="Search and filter tenants"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        lastSubmitted.current = search.trim();
        navigate({ q: search.trim() });
      }}
    >
      <label className="flex min-w-72 flex-1 flex-col gap-1 text-sm font-medium text-slate-700">
        Search
        <input
          type="search"
          name="q"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder="Tenant name, tenant id, key vault or key URL"
          maxLength={200}
          className="rounded-md border border-slate-300 bg-white px-3 py-2 font-normal text-slate-900 shadow-sm placeholder:text-slate-400"
        />
      </label>
      <FilterMenu label="Health" selected={query.health} options={TENANT_STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))} onToggle={(v) => toggle("health", v)} />
      <FilterMenu label="Onboarding step" selected={query.step} options={ONBOARDING_STEPS.map((s) => ({ value: s, label: STEP_LABEL[s] }))} onToggle={(v) => toggle("step", v)} />
      <FilterMenu label="Region" selected={query.region} options={regions.map((r) => ({ value: r, label: r }))} onToggle={(v) => toggle("region", v)} />
      <label className="flex items-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 shadow-sm dark:border-slate-600 dark:bg-slate-900 dark:text-slate-200">
        <input type="checkbox" checked={query.keyExpiring} onChange={() => navigate({ keyExpiring: !query.keyExpiring })} className="h-4 w-4 accent-brand-600" />
        Key expires within {KEY_EXPIRING_DAYS} days
      </label>
      {activeCount > 0 && (
        <button
          type="button"
          onClick={() => {
            setSearch("");
            lastSubmitted.current = "";
            navigate({ q: "", step: [], health: [], region: [], keyExpiring: false });
          }}
          className="rounded-md px-3 py-2 text-sm font-medium text-brand-700 hover:underline"
        >
          Clear filters
        </button>
      )}
      <span aria-live="polite" className="min-w-20 pb-2 text-sm text-slate-500">
        {pending ? "Updating…" : ""}
      </span>
    </form>
  );
}

/** A filter's choices in a Radix popover: Escape or a click outside closes it, and focus returns to its button. */
function FilterMenu({ label, options, selected, onToggle }: { label: string; options: { value: string; label: string }[]; selected: string[]; onToggle(value: string): void }) {
  return (
    <Popover.Root>
      <Popover.Trigger className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 data-[state=open]:bg-slate-100 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800 dark:data-[state=open]:bg-slate-800">
        {label}
        {selected.length > 0 && (
          <span className="ml-2 rounded-full bg-brand-600 px-2 py-0.5 text-xs text-white">
            {selected.length}
            <span className="sr-only"> selected</span>
          </span>
        )}
        <span aria-hidden="true" className="ml-1 text-slate-500">
          ▾
        </span>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content align="start" sideOffset={4} className="z-30 w-64 rounded-md border border-slate-200 bg-white p-2 text-slate-900 shadow-lg dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100">
          <fieldset>
            <legend className="sr-only">{label}</legend>
            {options.length === 0 && <p className="px-2 py-1 text-sm text-slate-600 dark:text-slate-400">No values yet.</p>}
            {options.map((option) => (
              <label key={option.value} className="flex cursor-pointer items-center gap-2 rounded px-2 py-1.5 text-sm hover:bg-slate-50 dark:hover:bg-slate-800">
                <input type="checkbox" checked={selected.includes(option.value)} onChange={() => onToggle(option.value)} className="h-4 w-4 accent-brand-600" />
                {option.label}
              </label>
            ))}
          </fieldset>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
