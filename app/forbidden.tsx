import type { Metadata } from "next";
import Link from "next/link";
import { AccessProblem } from "@/components/auth/access-problem";
import { CenteredCard } from "@/components/ui/page-shell";
import { checkAreaAccess, type AreaAccess } from "@/lib/auth/guards";
import type { Area } from "@/lib/auth/roles";
import { currentSession, requestPath } from "@/lib/auth/session";
import { checkAuditAccess } from "@/lib/support/audit-access";

export const metadata: Metadata = { title: "No access", robots: { index: false } };

/** Which area a refused path belongs to, and the gate that refused it (the same one the page used). */
function gateFor(path: string): { area: Area; check: () => Promise<AreaAccess> } {
  if (path === "/support/audit" || path.startsWith("/support/audit?")) return { area: "support", check: checkAuditAccess };
  if (path === "/support" || path.startsWith("/support/") || path.startsWith("/support?")) return { area: "support", check: () => checkAreaAccess("support") };
  if (path === "/tenants" || path.startsWith("/tenants/") || path.startsWith("/tenants?")) return { area: "operator", check: () => checkAreaAccess("operator") };
  return { area: "customer", check: () => checkAreaAccess("customer") };
}

/**
 * What a page shows after `forbidden()` (HTTP 403): the signed-in account may not use it. Only who is signed in and
 * which role or kind of account the area needs — none of the page's data was loaded.
 */
export default async function Forbidden() {
  const user = await currentSession();
  if (user) {
    const gate = gateFor(await requestPath("/"));
    const access = await gate.check();
    if (!access.ok) return <AccessProblem area={gate.area} access={access} />;
  }
  return (
    <CenteredCard>
      <h1 className="text-2xl font-semibold text-slate-900">You do not have access to this page</h1>
      <p className="mt-3 text-slate-600">Your account may not use this part of the portal. Sign in with an account that may, or ask your administrator.</p>
      <p className="mt-6">
        <Link href="/signout" prefetch={false} className="font-medium text-brand-700 underline">
          Sign out and use another account
        </Link>
      </p>
    </CenteredCard>
  );
}
