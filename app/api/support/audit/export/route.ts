import { recordAudit } from "@/lib/audit/log";
import { auditCsv, parseAuditQuery } from "@/lib/audit/query";
import { currentSession } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { mayReadFullAuditLog } from "@/lib/support/audit-access";
import { guardRoute } from "@/lib/security/route-guard";
import { routeErrorResponse } from "@/lib/route-error";

export const dynamic = "force-dynamic";

/** CSV of the audit log for the same filters as /support/audit (all pages). Audit readers, support and approvers. */
export async function GET(request: Request) {
  const refused = await guardRoute(request); if (refused) return refused;
  const user = await currentSession();
  if (!user) return routeErrorResponse(request, 401, { code: "UNAUTHENTICATED", message: "Sign in to export the audit log." });
  if (!mayReadFullAuditLog(user)) {
    return routeErrorResponse(request, 403, { code: "FORBIDDEN", message: "Exporting the audit log needs the AuditReader, Support or SupportApprover role." });
  }
  const params = new URL(request.url).searchParams;
  const query = parseAuditQuery(params);
  await recordAudit(db(), { actorType: "STAFF", actorId: user.userOid, actorTenantId: user.tenantId, actorRole: user.roles.join(","), action: "audit.export", targetType: "auditLog", result: "SUCCESS", details: { userName: user.userName, filters: Object.fromEntries(params) } });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
  return new Response(auditCsv(db(), query, { kind: "staff" }), {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="cmk-audit-${stamp}.csv"`, "Cache-Control": "no-store" },
  });
}
