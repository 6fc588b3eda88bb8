import { PageShell } from "@/components/ui/page-shell";
import { OverviewSkeleton } from "./_components/overview-panel";
import { TableSkeleton } from "./_components/table-skeleton";

export default function Loading() {
  return (
    <PageShell audience="Operator" title="Customer tenants">
      <OverviewSkeleton />
      <div className="mt-10">
        <TableSkeleton />
      </div>
    </PageShell>
  );
}
