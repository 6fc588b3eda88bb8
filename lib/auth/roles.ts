// Who may enter which area. Staff roles come from the token's app-role claim, never from our database.
// AuditReader opens no area: it only reads the full audit log (lib/support/audit-access.ts).
export const STAFF_ROLES = ["Operator", "Support", "SupportApprover", "AuditReader"] as const;
export type StaffRoleName = (typeof STAFF_ROLES)[number];
export const CUSTOMER_ADMIN_ROLE = "CustomerAdmin";

export type Area = "customer" | "operator" | "support";

export const AREA_HOME: Record<Area, string> = { customer: "/onboarding", operator: "/tenants", support: "/support" };

/** Roles that open each staff area (any one of them). */
export const AREA_ROLES: Record<Exclude<Area, "customer">, readonly StaffRoleName[]> = {
  operator: ["Operator"],
  support: ["Support", "SupportApprover"],
};

export function staffRolesFromClaim(roles: string[]): StaffRoleName[] {
  return STAFF_ROLES.filter((role) => roles.includes(role));
}

export function hasAnyRole(userRoles: string[], required: readonly string[]): boolean {
  return required.some((role) => userRoles.includes(role));
}

/** Only same-site paths are valid return targets (no open redirects). */
export function safeReturnPath(value: string | null | undefined, fallback: string): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}
