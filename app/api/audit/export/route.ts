import { recordAudit } from "@/lib/audit/log";
import { auditCsv, parseAuditQuery } from "@/lib/audit/query";
import { currentSession } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { guardRoute } from "@/lib/security/route-guard";
import { routeErrorResponse } from "@/lib/route-error";

export const dynamic = "force-dynamic";

/** CSV of the signed-in customer's own tenant's audit log (the tenant comes from the session only). */
export async function GET(request: Request) {
  const refused = await guardRoute(request); if (refused) return refused;
  const user = await currentSession();
  if (!user) return routeErrorResponse(request, 401, { code: "UNAUTHENTICATED", message: "Sign in to export your audit log." });
  if (user.kind !== "CUSTOMER") return routeErrorResponse(request, 403, { code: "FORBIDDEN", message: "This export is for customer administrators; staff use the support console." });
  const tenant = await db().customerTenant.findUnique({ where: { tenantId: user.tenantId }, select: { id: true } });
  if (!tenant) return routeErrorResponse(request, 404, { code: "NOT_FOUND", message: "Your organization is not registered yet." });
  const params = new URL(request.url).searchParams;
  params.delete("tenant");
  await recordAudit(db(), { actorType: "CUSTOMER", actorId: user.userOid, actorTenantId: user.tenantId, actorRole: "CustomerAdmin", action: "audit.export", targetType: "auditLog", customerTenantId: tenant.id, result: "SUCCESS", details: { userName: user.userName, filters: Object.fromEntries(params) } });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
  return new Response(auditCsv(db(), parseAuditQuery(params), { kind: "customer", customerTenantId: tenant.id }), {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="audit-${stamp}.csv"`, "Cache-Control": "no-store" },
  });
}
