// Who may read the whole audit log (every customer tenant's events, with reasons and user names): the
// AuditReader role, which exists for exactly that, and Support and SupportApprover, who act on customers'
// keys and review each other's requests. Operators do not: they run the fleet from its state and health,
// and see only whether the log is intact. Customers read their own tenant's log on their own page.
import "server-only";
import { checkAreaAccess, type AreaAccess } from "../auth/guards";
import { hasAnyRole, type StaffRoleName } from "../auth/roles";

export const AUDIT_READER_ROLES: readonly StaffRoleName[] = ["AuditReader", "Support", "SupportApprover"];

export function mayReadFullAuditLog(user: { kind: string; roles: string[] }): boolean {
  return user.kind === "STAFF" && hasAnyRole(user.roles, AUDIT_READER_ROLES);
}

/** The audit page's gate: decided by the reader roles alone, not by which area the page sits in. */
export async function checkAuditAccess(): Promise<AreaAccess> {
  const access = await checkAreaAccess("support");
  if (!access.ok && access.reason === "wrong-account") return access;
  return mayReadFullAuditLog(access.user) ? { ok: true, user: access.user } : { ok: false, reason: "missing-role", user: access.user, requiredRoles: AUDIT_READER_ROLES };
}
