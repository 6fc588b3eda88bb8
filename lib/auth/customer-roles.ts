// Which customer role a signed-in account holds. App roles of the portal (Customer.Admin, Customer.Reader) are the
// rule; until a tenant has assigned them, an Entra directory role that may administer applications counts as
// Customer.Admin. The first Customer.* role seen in a token from a tenant switches that tenant to app roles only.
import type { Db } from "../db/client";
import { CUSTOMER_ADMIN_DIRECTORY_ROLES, CUSTOMER_ADMIN_ROLE, customerRolesFromClaim, type CustomerRoleName } from "./roles";
import type { VerifiedIdentity } from "./token-validation";

export type CustomerRoleDecision =
  | { roles: CustomerRoleName[]; via: "app-role" | "directory-role"; directoryRole?: string }
  | { roles: []; via: "none"; appRolesAssigned: boolean };

export async function customerRolesAtSignIn(db: Db, identity: VerifiedIdentity, now = new Date()): Promise<CustomerRoleDecision> {
  const appRoles = customerRolesFromClaim(identity.roles);
  if (appRoles.length > 0) {
    await db.customerAppRoleAdoption.createMany({
      data: [{ entraTenantId: identity.tenantId, firstSeenAt: now, firstSeenOid: identity.objectId }],
      skipDuplicates: true,
    });
    return { roles: appRoles, via: "app-role" };
  }
  const adopted = await db.customerAppRoleAdoption.findUnique({ where: { entraTenantId: identity.tenantId }, select: { entraTenantId: true } });
  if (adopted) return { roles: [], via: "none", appRolesAssigned: true };
  const directoryRole = (identity.directoryRoleIds ?? []).map((id) => CUSTOMER_ADMIN_DIRECTORY_ROLES[id]).find(Boolean);
  if (directoryRole) return { roles: [CUSTOMER_ADMIN_ROLE], via: "directory-role", directoryRole };
  return { roles: [], via: "none", appRolesAssigned: false };
}
