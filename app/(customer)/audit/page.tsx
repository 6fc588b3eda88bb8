import type { Metadata } from "next";
import { AreaNav, PageShell } from "@/components/ui/page-shell";
import { listAuditEvents, parseAuditQuery } from "@/lib/audit/query";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { AuditLogView } from "@/app/(support)/support/audit/audit-table";
import { forbidden } from "next/navigation";

export const metadata: Metadata = { title: "Your audit log" };
export const dynamic = "force-dynamic";

/** The signed-in admin's own tenant only: the tenant comes from the session, filters cannot widen it. */
export default async function CustomerAuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const tenant = await db().customerTenant.findUnique({ where: { tenantId: access.user.tenantId }, select: { id: true, displayName: true } });
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(await searchParams)) if (typeof value === "string" && key !== "tenant" && key !== "actor") params.set(key, value);
  const query = parseAuditQuery(params);
  const scope = { kind: "customer" as const, customerTenantId: tenant?.id ?? "00000000-0000-0000-0000-000000000000" };
  const page = await listAuditEvents(db(), query, scope);
  return (
    <PageShell
      audience="Customer"
      title="Audit log"
      user={access.user}
      nav={
        <AreaNav
          label="Customer"
          links={[
            { href: "/status", text: "Status" },
            { href: "/audit", text: "Audit log" },
          ]}
        />
      }
    >
      <p className="mb-4 max-w-3xl text-slate-600">
        Everything done in {tenant?.displayName ?? "your organization"}&apos;s name in this portal — by your admins and by the provider&apos;s staff — with who, what, when and why.
      </p>
      <AuditLogView rows={page.rows} query={query} scope={scope} basePath="/audit" exportPath="/api/audit/export" nextBefore={page.nextBefore} />
    </PageShell>
  );
}
