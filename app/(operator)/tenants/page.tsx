import type { Metadata } from "next";
import { Suspense } from "react";
import { PageShell } from "@/components/ui/page-shell";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { exportSearchParams, parseTenantListQuery, tenantListSearchParams, type TenantListQuery } from "@/lib/dashboard/filters";
import { dashboardSnapshot } from "@/lib/dashboard/snapshot";
import { AuditChainStatus } from "@/components/audit/audit-chain-status";
import { listTenants, type TenantListPage } from "@/lib/dashboard/tenant-list";
import { AutoRefresh } from "./_components/auto-refresh";
import { FilterBar } from "./_components/filter-bar";
import { FleetPanel } from "./_components/fleet-panel";
import { OverviewPanel } from "./_components/overview-panel";
import { ReadinessBanner } from "./_components/readiness-banner";
import { TenantTable } from "./_components/tenant-table";
import { TableSkeleton } from "./_components/table-skeleton";
import { WorkerStatus } from "./_components/worker-status";
import { OffboardingRequests } from "./_components/offboarding-requests";
import { forbidden } from "next/navigation";

export const metadata: Metadata = { title: "Operator dashboard" };

async function TenantListSection({ query, pending }: { query: TenantListQuery; pending: Promise<TenantListPage> }) {
  const page = await pending;
  return <TenantTable rows={page.rows} query={query} total={page.total} pageCount={page.pageCount} />;
}

/** Every customer tenant at a glance: overview, then the searchable list. Data comes from the database only. */
export default async function OperatorDashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAreaAccess("operator");
  if (!access.ok) forbidden();
  const query = parseTenantListQuery(await searchParams);
  // The list's statement starts now, beside the one read of everything above it (lib/dashboard/snapshot.ts), and
  // streams in below when it is done.
  const list = listTenants(db(), query);
  const snapshot = await dashboardSnapshot(db());
  return (
    <PageShell audience="Operator" title="Customer tenants" user={access.user}>
      <ReadinessBanner readiness={snapshot.readiness} />
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-3xl text-slate-600">Onboarding progress, disk encryption sets and key health of every customer tenant.</p>
        <div className="flex flex-wrap items-center gap-4">
          <WorkerStatus status={snapshot.worker} />
          <AutoRefresh renderedAt={new Date().toISOString()} />
        </div>
      </div>
      <OverviewPanel overview={snapshot.overview} />
      <OffboardingRequests rows={snapshot.offboardings} />
      <div className="mt-6">
        <AuditChainStatus chain={snapshot.auditChain} />
      </div>
      <div className="mt-6">
        <FleetPanel fleet={snapshot.fleet} />
      </div>
      <section aria-labelledby="tenant-list-heading" className="mt-10">
        <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
          <h2 id="tenant-list-heading" className="text-xl font-semibold text-slate-900">
            Tenants
          </h2>
          <a href={`/api/operator/tenants.csv?${exportSearchParams(query)}`} download className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50">
            Export CSV
          </a>
        </div>
        <FilterBar query={query} regions={snapshot.regions} />
        <div className="mt-4">
          {/* A new view (filters, sort, page) shows a skeleton; an auto-refresh of the same view keeps the rows on screen. */}
          <Suspense key={tenantListSearchParams(query).toString()} fallback={<TableSkeleton />}>
            <TenantListSection query={query} pending={list} />
          </Suspense>
        </div>
      </section>
    </PageShell>
  );
}
