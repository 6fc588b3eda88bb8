import type { Metadata } from "next";
import { AccessProblem } from "@/components/auth/access-problem";
import { PageShell } from "@/components/ui/page-shell";
import { listAuditEvents, parseAuditQuery } from "@/lib/audit/query";
import { verifyAuditChain } from "@/lib/audit/verify";
import { db } from "@/lib/db/client";
import { checkAuditAccess } from "@/lib/support/audit-access";
import { SupportNav } from "../_components/parts";
import { AuditLogView } from "./audit-table";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

function toParams(raw: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(raw)) if (typeof value === "string") params.set(key, value);
  return params;
}

/** The whole audit log for Support, SupportApprover and Operator (page-level role check). */
export default async function SupportAuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAuditAccess();
  if (!access.ok) return <AccessProblem area="support" access={access} />;
  const query = parseAuditQuery(toParams(await searchParams));
  const [page, chain] = await Promise.all([listAuditEvents(db(), query, { kind: "staff" }), verifyAuditChain(db())]);
  return (
    <PageShell audience="Support" title="Audit log" user={access.user} nav={<SupportNav />}>
      <div className="space-y-4">
        {chain.ok ? (
          <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            Hash chain intact: {chain.checked} events verified.
          </p>
        ) : (
          <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">
            <p className="font-medium">The audit log was tampered with: broken at event {chain.firstBrokenSeq?.toString()}.</p>
            <p>{chain.reason}. Run npm run audit:verify and compare with a backup.</p>
          </div>
        )}
        <AuditLogView rows={page.rows} query={query} scope={{ kind: "staff" }} basePath="/support/audit" exportPath="/api/support/audit/export" nextBefore={page.nextBefore} />
      </div>
    </PageShell>
  );
}
