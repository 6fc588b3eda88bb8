// Who may enter which area. Staff roles come from the token's app-role claim, never from our database.
// AuditReader opens no area: it only reads the full audit log (lib/support/audit-access.ts).
export const STAFF_ROLES = ["Operator", "Support", "SupportApprover", "AuditReader"] as const;
export type StaffRoleName = (typeof STAFF_ROLES)[number];

/**
 * Customer roles: app roles of the portal app that each customer assigns in their own tenant (Enterprise
 * applications → CMK Portal → Users and groups). Customer.Reader sees status and audit only; every action that
 * changes something needs Customer.Admin.
 */
export const CUSTOMER_ADMIN_ROLE = "Customer.Admin";
export const CUSTOMER_READER_ROLE = "Customer.Reader";
export const CUSTOMER_ROLES = [CUSTOMER_ADMIN_ROLE, CUSTOMER_READER_ROLE] as const;
/**
 * The app role a customer assigns to its own pipeline's app registration (allowedMemberTypes Application only): it
 * reaches the portal only through /api/v1 with an app-only token, never through a sign-in (lib/api/principal.ts).
 */
export const CUSTOMER_AUTOMATION_ROLE = "Customer.Automation";
export type CustomerRoleName = (typeof CUSTOMER_ROLES)[number] | typeof CUSTOMER_AUTOMATION_ROLE;

/**
 * Entra built-in directory roles (the `wids` claim holds their template ids) that count as Customer.Admin in a
 * tenant that has not assigned the portal's app roles yet. Template ids from
 * https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
 */
export const CUSTOMER_ADMIN_DIRECTORY_ROLES: Readonly<Record<string, string>> = {
  "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
  "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
  "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
  "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
};

export function customerRolesFromClaim(roles: string[]): CustomerRoleName[] {
  return CUSTOMER_ROLES.filter((role) => roles.includes(role));
}

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

/** Any origin of our own: resolving against it and checking that the result stays on it is a same-origin check. */
const RETURN_BASE = "https://portal.invalid";

/**
 * Only same-origin paths are valid return targets (no open redirects). The browser's URL parser decides, not a
 * prefix check: it drops tabs and newlines and reads `\` as `/`, so `/%09/evil.example` or `/\evil.example` name
 * another host. The answer is the parsed, normalised path, which cannot start with `//` (protocol-relative).
 */
export function safeReturnPath(value: string | null | undefined, fallback: string): string {
  if (!value || !value.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(value, RETURN_BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== RETURN_BASE || url.pathname.startsWith("//")) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
