import type { Metadata } from "next";
import Link from "next/link";
import { PageShell } from "@/components/ui/page-shell";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { describeHealthCause } from "@/lib/health/causes";
import { expireStaleRevocations } from "@/lib/support/revocation";
import { restoresAwaitingConfirmation } from "@/lib/support/restore";
import { Badge, Card, HEALTH_LABEL, HEALTH_TONE, SupportNav } from "./_components/parts";
import { forbidden } from "next/navigation";
import { Time } from "@/components/ui/time";

export const metadata: Metadata = { title: "Support console" };
export const dynamic = "force-dynamic";

const PAGE = 50;

export default async function SupportConsolePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAreaAccess("support");
  if (!access.ok) forbidden();
  const raw = (await searchParams).q;
  const q = (Array.isArray(raw) ? raw[0] : raw)?.trim().slice(0, 100) ?? "";
  await expireStaleRevocations(db());
  const [pending, restores, tenants] = await Promise.all([
    db().revocationRequest.findMany({ where: { status: { in: ["PENDING_APPROVAL", "NEEDS_REAPPROVAL"] } }, include: { customerTenant: { select: { displayName: true } } }, orderBy: { expiresAt: "asc" } }),
    restoresAwaitingConfirmation(db()),
    db().customerTenant.findMany({
      where: q ? { OR: [{ displayName: { contains: q, mode: "insensitive" } }, { primaryDomain: { contains: q, mode: "insensitive" } }, ...(/^[0-9a-f-]{36}$/i.test(q) ? [{ tenantId: q }, { id: q }] : [])] } : { diskEncryptionSets: { some: {} } },
      include: { _count: { select: { diskEncryptionSets: true } } },
      orderBy: { displayName: "asc" },
      take: PAGE,
    }),
  ]);
  return (
    <PageShell audience="Support" title="Support console" user={access.user} nav={<SupportNav />}>
      <p className="mb-6 max-w-3xl text-slate-600">Rotate or revoke a customer&apos;s key, one customer at a time. Every step is recorded in the audit log.</p>
      <div className="space-y-6">
        <Card title="Revocations waiting for approval">
          {pending.length === 0 ? (
            <p className="text-sm text-slate-600">None.</p>
          ) : (
            <ul className="space-y-2 text-sm">
              {pending.map((r) => (
                <li key={r.id}>
                  <Link className="font-medium text-brand-700 underline" href={`/support/tenants/${r.customerTenantId}#revocation`}>
                    {r.customerTenant.displayName}
                  </Link>{" "}
                  — requested by {r.requestedByName}, {r.status === "NEEDS_REAPPROVAL" ? "impact changed, re-approve" : "approve"} before <Time value={r.expiresAt} />: {r.reason}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Restores waiting for a second person">
          {restores.length === 0 ? (
            <p className="text-sm text-slate-600">None.</p>
          ) : (
            <ul className="space-y-2 text-sm">
              {restores.map((r) => (
                <li key={r.id}>
                  <Link className="font-medium text-brand-700 underline" href={`/support/tenants/${r.customerTenantId}#revocation`}>
                    {r.customerTenant.displayName}
                  </Link>{" "}
                  — requested by {r.requestedByName}, a SupportApprover or the customer&apos;s admin confirms before <Time value={r.expiresAt} />: {r.reason}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Customers">
          <form className="flex gap-2" role="search">
            <label htmlFor="q" className="sr-only">
              Find a customer
            </label>
            <input id="q" name="q" defaultValue={q} placeholder="Name, domain or tenant id" className="w-full max-w-md rounded-lg border border-slate-300 px-3 py-2 text-sm" />
            <button type="submit" className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium">
              Find
            </button>
          </form>
          {!q && <p className="text-sm text-slate-600">Customers with a disk encryption set (search to find any customer).</p>}
          <table className="w-full text-left text-sm">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Customer</th>
                <th className="py-1 pr-3 font-medium">Tenant id</th>
                <th className="py-1 pr-3 font-medium">Health</th>
                <th className="py-1 pr-3 font-medium">Disk encryption sets</th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((t) => (
                <tr key={t.id} className="border-t border-slate-100">
                  <td className="py-1.5 pr-3">
                    <Link className="font-medium text-brand-700 underline" href={`/support/tenants/${t.id}`}>
                      {t.displayName}
                    </Link>
                  </td>
                  <td className="py-1.5 pr-3 font-mono text-xs">{t.tenantId}</td>
                  <td className="py-1.5 pr-3">
                    <Badge tone={HEALTH_TONE[t.healthState] ?? "neutral"}>{HEALTH_LABEL[t.healthState] ?? t.healthState}</Badge>
                    {t.healthCause && <span className="ml-1 text-xs text-slate-600">{describeHealthCause(t.healthCause).title}</span>}
                  </td>
                  <td className="py-1.5 pr-3">{t._count.diskEncryptionSets}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {tenants.length === 0 && <p className="text-sm text-slate-600">No customer matches.</p>}
        </Card>
      </div>
    </PageShell>
  );
}
