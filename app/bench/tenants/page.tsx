import { forbidden, notFound } from "next/navigation";
import { checkAreaAccess } from "@/lib/auth/guards";
import { barePageEnabled, bareTenantPage } from "@/lib/dashboard/bare-list";
import { db } from "@/lib/db/client";

export const metadata = { title: "Tenants (benchmark reference)" };
// Decided per request from the server's environment, never prerendered at build time.
export const dynamic = "force-dynamic";

/**
 * The dashboard benchmark's bare reference: 50 tenant rows straight from PostgreSQL in a plain table. Absent (404)
 * unless BENCH_BARE_PAGE=true, and for operators only, like the dashboard it is compared with.
 */
export default async function BareTenantsPage() {
  if (!barePageEnabled()) notFound();
  const access = await checkAreaAccess("operator");
  if (!access.ok) forbidden();
  const rows = await bareTenantPage(db());
  return (
    <main id="main" className="p-6">
      <h1 className="text-xl font-semibold">Tenants (benchmark reference)</h1>
      <table className="mt-4 text-sm">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Tenant ID</th>
            <th scope="col">Step</th>
            <th scope="col">DES</th>
            <th scope="col">Health</th>
            <th scope="col">Key</th>
            <th scope="col">Region</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>{row.displayName}</td>
              <td>{row.tenantId}</td>
              <td>{row.step}</td>
              <td>{row.desState}</td>
              <td>{row.healthState}</td>
              <td>{row.keyUrl}</td>
              <td>{row.region}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
