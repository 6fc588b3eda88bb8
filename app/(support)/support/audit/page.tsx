import type { Metadata } from "next";
import { PageShell } from "@/components/ui/page-shell";
import { listAuditEvents, parseAuditQuery } from "@/lib/audit/query";
import { auditChainForDashboard } from "@/lib/dashboard/readiness";
import { AuditChainStatus } from "@/components/audit/audit-chain-status";
import { db } from "@/lib/db/client";
import { checkAuditAccess } from "@/lib/support/audit-access";
import { SupportNav } from "../_components/parts";
import { AuditLogView } from "./audit-table";
import { forbidden } from "next/navigation";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

function toParams(raw: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(raw)) if (typeof value === "string") params.set(key, value);
  return params;
}

/** The whole audit log for AuditReader, Support and SupportApprover (page-level role check; see lib/support/audit-access.ts). */
export default async function SupportAuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAuditAccess();
  if (!access.ok) forbidden();
  const query = parseAuditQuery(toParams(await searchParams));
  const [page, chain] = await Promise.all([listAuditEvents(db(), query, { kind: "staff" }), auditChainForDashboard()]);
  return (
    <PageShell audience="Support" title="Audit log" user={access.user} nav={<SupportNav />}>
      <div className="space-y-4">
        <AuditChainStatus chain={chain} />
        <AuditLogView rows={page.rows} query={query} scope={{ kind: "staff" }} basePath="/support/audit" exportPath="/api/support/audit/export" nextBefore={page.nextBefore} />
      </div>
    </PageShell>
  );
}
