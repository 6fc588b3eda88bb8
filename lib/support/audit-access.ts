// Who may read the whole audit log: support staff and operators (the page lives in the support area; an
// operator reaches it too). Customers read their own tenant's log on their own page.
import "server-only";
import { checkAreaAccess, type AreaAccess } from "../auth/guards";
import { hasAnyRole, type StaffRoleName } from "../auth/roles";

export const AUDIT_READER_ROLES: readonly StaffRoleName[] = ["Support", "SupportApprover", "Operator"];

export async function checkAuditAccess(): Promise<AreaAccess> {
  const access = await checkAreaAccess("support");
  if (access.ok || access.reason !== "missing-role") return access;
  return hasAnyRole(access.user.roles, AUDIT_READER_ROLES) ? { ok: true, user: access.user } : { ...access, requiredRoles: AUDIT_READER_ROLES };
}
