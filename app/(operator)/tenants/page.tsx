import type { Metadata } from "next";
import { Suspense } from "react";
import { PageShell } from "@/components/ui/page-shell";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { exportSearchParams, parseTenantListQuery, tenantListSearchParams, type TenantListQuery } from "@/lib/dashboard/filters";
import { getOverview, listRegions } from "@/lib/dashboard/overview";
import { auditChainForDashboard, providerReadinessForDashboard } from "@/lib/dashboard/readiness";
import { AuditChainStatus } from "@/components/audit/audit-chain-status";
import { listTenants } from "@/lib/dashboard/tenant-list";
import { workerStatusForDashboard } from "@/lib/dashboard/worker-status";
import { fleetPanelForDashboard } from "@/lib/fleet/panel";
import { AutoRefresh } from "./_components/auto-refresh";
import { FilterBar } from "./_components/filter-bar";
import { FleetPanel } from "./_components/fleet-panel";
import { OverviewPanel, OverviewSkeleton } from "./_components/overview-panel";
import { ReadinessBanner } from "./_components/readiness-banner";
import { TenantTable } from "./_components/tenant-table";
import { TableSkeleton } from "./_components/table-skeleton";
import { WorkerStatus } from "./_components/worker-status";
import { OffboardingRequests } from "./_components/offboarding-requests";
import { openOffboardings } from "@/lib/offboarding/queries";
import { forbidden } from "next/navigation";

export const metadata: Metadata = { title: "Operator dashboard" };

async function ReadinessSection() {
  return <ReadinessBanner readiness={await providerReadinessForDashboard()} />;
}

async function AuditChainSection() {
  return <AuditChainStatus chain={await auditChainForDashboard()} />;
}

async function WorkerStatusSection() {
  return <WorkerStatus status={await workerStatusForDashboard()} />;
}

async function OffboardingSection() {
  return <OffboardingRequests rows={await openOffboardings(db())} />;
}

async function FleetSection() {
  return <FleetPanel fleet={await fleetPanelForDashboard()} />;
}

async function OverviewSection() {
  return <OverviewPanel overview={await getOverview(db())} />;
}

async function TenantListSection({ query }: { query: TenantListQuery }) {
  const page = await listTenants(db(), query);
  return <TenantTable rows={page.rows} query={query} total={page.total} pageCount={page.pageCount} />;
}

/** Every customer tenant at a glance: overview, then the searchable list. Data comes from the database only. */
export default async function OperatorDashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAreaAccess("operator");
  if (!access.ok) forbidden();
  const query = parseTenantListQuery(await searchParams);
  const regions = await listRegions(db());
  return (
    <PageShell audience="Operator" title="Customer tenants" user={access.user}>
      <Suspense fallback={null}>
        <ReadinessSection />
      </Suspense>
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-3xl text-slate-600">Onboarding progress, disk encryption sets and key health of every customer tenant.</p>
        <div className="flex flex-wrap items-center gap-4">
          <Suspense fallback={null}>
            <WorkerStatusSection />
          </Suspense>
          <AutoRefresh renderedAt={new Date().toISOString()} />
        </div>
      </div>
      <Suspense fallback={<OverviewSkeleton />}>
        <OverviewSection />
      </Suspense>
      <Suspense fallback={null}>
        <OffboardingSection />
      </Suspense>
      <div className="mt-6">
        <Suspense fallback={null}>
          <AuditChainSection />
        </Suspense>
      </div>
      <div className="mt-6">
        <Suspense fallback={null}>
          <FleetSection />
        </Suspense>
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
        <FilterBar query={query} regions={regions} />
        <div className="mt-4">
          {/* A new view (filters, sort, page) shows a skeleton; an auto-refresh of the same view keeps the rows on screen. */}
          <Suspense key={tenantListSearchParams(query).toString()} fallback={<TableSkeleton />}>
            <TenantListSection query={query} />
          </Suspense>
        </div>
      </section>
    </PageShell>
  );
}
