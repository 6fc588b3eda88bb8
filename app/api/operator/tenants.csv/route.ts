import { currentSession } from "@/lib/auth/session";
import { AREA_ROLES, hasAnyRole } from "@/lib/auth/roles";
import { db } from "@/lib/db/client";
import { tenantsCsv } from "@/lib/dashboard/csv";
import { parseTenantListQuery } from "@/lib/dashboard/filters";
import { guardRoute } from "@/lib/security/route-guard";
import { routeErrorResponse } from "@/lib/route-error";

export const dynamic = "force-dynamic";

/** CSV of the tenant list for the same filters and sort as the dashboard URL (all pages). Operators only. */
export async function GET(request: Request) {
  const refused = await guardRoute(request); if (refused) return refused;
  const user = await currentSession();
  if (!user) return routeErrorResponse(request, 401, { code: "UNAUTHENTICATED", message: "Sign in to export tenants." });
  if (user.kind !== "STAFF" || !hasAnyRole(user.roles, AREA_ROLES.operator)) {
    return routeErrorResponse(request, 403, { code: "FORBIDDEN", message: "Exporting tenants needs the Operator role." });
  }
  const query = parseTenantListQuery(new URL(request.url).searchParams);
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
  return new Response(tenantsCsv(db(), query), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="cmk-tenants-${stamp}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
