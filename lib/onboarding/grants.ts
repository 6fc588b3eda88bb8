// What the portal granted in a customer's Azure, and undoing it. Every role assignment and access policy the
// wizard creates (as the signed-in admin) is recorded; when the admin moves to another vault or key, the grants
// on the abandoned one are offered for removal, and at the end the admin's own self-granted data role is too.
// Removal runs with the admin's delegated credential, is idempotent (already gone is success) and audited.
import type { Db } from "../db/client";
import type { PortalGrant } from "../db/generated/prisma/client";
import type { SessionUser } from "../auth/session-store";
import { AppError } from "../errors";
import { recordAudit } from "../audit/log";
import { actorNames, recordedName } from "../audit/actor-names";
import { delegatedCredential } from "../azure/credentials";
import { azureFailure, toAzureAppError } from "../azure/errors";
import { deleteRoleAssignment, removeAccessPolicy } from "../azure/customer-arm";
import { CRYPTO_OFFICER_ROLE_NAME, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME, keyScope, parseVaultResourceId, roleAssignmentName } from "./access";

type Ctx = { db: Db; user: SessionUser; requestId?: string };

export type GrantPurpose = "PROVIDER_KEY_ACCESS" | "ADMIN_KEY_OFFICER";

export type NewGrant =
  | { kind: "ROLE_ASSIGNMENT"; purpose: GrantPurpose; vaultResourceId: string; scope: string; keyName?: string; principalId: string; principalType: "User" | "ServicePrincipal"; roleId: string }
  | { kind: "ACCESS_POLICY"; purpose: GrantPurpose; vaultResourceId: string; keyName?: string; principalId: string; permissions: string[] };

/** Records a grant the portal just created (a repeat grant of the same thing revives the one record). */
export async function recordPortalGrant(ctx: Ctx, customerTenantId: string, grant: NewGrant): Promise<void> {
  const vault = parseVaultResourceId(grant.vaultResourceId);
  if (!vault) return;
  const scope = grant.kind === "ROLE_ASSIGNMENT" ? grant.scope : grant.vaultResourceId;
  const roleFields =
    grant.kind === "ROLE_ASSIGNMENT"
      ? {
          principalType: grant.principalType,
          roleDefinitionId: `/subscriptions/${vault.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${grant.roleId}`,
          assignmentId: `${scope}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(scope, grant.principalId, grant.roleId)}`,
          permissions: [],
        }
      : { principalType: "ServicePrincipal", roleDefinitionId: null, assignmentId: null, permissions: grant.permissions };
  const data = { kind: grant.kind, subscriptionId: vault.subscriptionId, vaultResourceId: grant.vaultResourceId, keyName: grant.keyName ?? null, ...roleFields, createdByOid: ctx.user.userOid, createdByName: recordedName(actorNames(ctx.user)) ?? null };
  await ctx.db.portalGrant.upsert({
    where: { customerTenantId_purpose_scope_principalId: { customerTenantId, purpose: grant.purpose, scope, principalId: grant.principalId } },
    create: { customerTenantId, purpose: grant.purpose, scope, principalId: grant.principalId, ...data },
    update: { ...data, createdAt: new Date(), removedAt: null, removedByOid: null },
  });
}

export type GrantView = { id: string; kind: PortalGrant["kind"]; purpose: GrantPurpose; what: string; where: string; createdByName: string | null; createdAt: Date };

function vaultName(vaultResourceId: string): string {
  return parseVaultResourceId(vaultResourceId)?.vaultName ?? vaultResourceId;
}

export function describeGrant(grant: Pick<PortalGrant, "id" | "kind" | "purpose" | "vaultResourceId" | "keyName" | "permissions" | "createdByName" | "createdAt">): GrantView {
  const purpose = grant.purpose as GrantPurpose;
  const what =
    purpose === "ADMIN_KEY_OFFICER"
      ? `Your admin's role “${CRYPTO_OFFICER_ROLE_NAME}” (to list and create keys)`
      : grant.kind === "ROLE_ASSIGNMENT"
        ? `The provider's role “${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}”`
        : `The provider's access policy (key permissions ${grant.permissions.join(", ")})`;
  const where = grant.kind === "ROLE_ASSIGNMENT" && grant.keyName ? `key ${grant.keyName} in ${vaultName(grant.vaultResourceId)}` : `vault ${vaultName(grant.vaultResourceId)}`;
  return { id: grant.id, kind: grant.kind, purpose, what, where, createdByName: grant.createdByName, createdAt: grant.createdAt };
}

/**
 * Grants the portal made that the current choice no longer needs: the provider's access on another key (RBAC)
 * or another vault (access policies are vault-wide), and the admin's data role on another vault.
 */
export function isAbandoned(grant: Pick<PortalGrant, "kind" | "purpose" | "vaultResourceId" | "scope">, current: { vaultResourceId: string | null; keyName: string | null }): boolean {
  const sameVault = current.vaultResourceId !== null && grant.vaultResourceId.toLowerCase() === current.vaultResourceId.toLowerCase();
  if (grant.purpose === "ADMIN_KEY_OFFICER" || grant.kind === "ACCESS_POLICY") return !sameVault;
  if (!sameVault || !current.keyName || !current.vaultResourceId) return true;
  return grant.scope.toLowerCase() !== keyScope(current.vaultResourceId, current.keyName).toLowerCase();
}

async function tenantOf(ctx: Ctx) {
  const tenant = await ctx.db.customerTenant.findUnique({ where: { tenantId: ctx.user.tenantId }, include: { onboarding: true } });
  if (!tenant) throw new AppError("NOT_FOUND", "Your organization has not started onboarding yet.", { fix: "Open /onboarding first." });
  return tenant;
}

/** The wizard's list: what the portal granted on a vault or key the admin has since moved away from. */
export async function abandonedGrants(db: Db, entraTenantId: string): Promise<GrantView[]> {
  const tenant = await db.customerTenant.findUnique({ where: { tenantId: entraTenantId }, include: { onboarding: true } });
  if (!tenant?.onboarding) return [];
  const current = { vaultResourceId: tenant.onboarding.vaultResourceId, keyName: tenant.onboarding.keyName };
  const grants = await db.portalGrant.findMany({ where: { customerTenantId: tenant.id, removedAt: null }, orderBy: { createdAt: "asc" } });
  return grants.filter((g) => isAbandoned(g, current)).map(describeGrant);
}

/** The status page's offer: the admin's self-granted data role, still in place. */
export async function selfGrantedDataRoles(db: Db, entraTenantId: string): Promise<GrantView[]> {
  const tenant = await db.customerTenant.findUnique({ where: { tenantId: entraTenantId }, select: { id: true } });
  if (!tenant) return [];
  const grants = await db.portalGrant.findMany({ where: { customerTenantId: tenant.id, purpose: "ADMIN_KEY_OFFICER", removedAt: null }, orderBy: { createdAt: "asc" } });
  return grants.map(describeGrant);
}

export type RemovalResult = { result: "removed" | "already-gone" };

/**
 * Removes one grant the portal made, as the signed-in admin. Refused for what the current onboarding still
 * needs: the provider's access to the chosen key (removing it would break verification and the disks).
 */
export async function removePortalGrant(ctx: Ctx, input: { grantId: string }): Promise<RemovalResult> {
  const tenant = await tenantOf(ctx);
  const grant = await ctx.db.portalGrant.findFirst({ where: { id: input.grantId, customerTenantId: tenant.id } });
  if (!grant) throw new AppError("NOT_FOUND", "That grant is not one the portal made for your organization.", { fix: "Reload the page and pick it from the list." });
  if (grant.removedAt) return { result: "already-gone" };
  const current = { vaultResourceId: tenant.onboarding?.vaultResourceId ?? null, keyName: tenant.onboarding?.keyName ?? null };
  if (grant.purpose === "PROVIDER_KEY_ACCESS" && !isAbandoned(grant, current)) {
    throw new AppError("CONFLICT", "The provider's access to the key you chose is still needed.", { fix: "Only access on a vault or key you moved away from can be removed here." });
  }
  const vault = parseVaultResourceId(grant.vaultResourceId);
  if (!vault) throw new AppError("CONFLICT", "The recorded vault id is not valid.", { fix: "Remove the grant in the Azure portal instead." });
  const credential = delegatedCredential(ctx.db, ctx.user);
  const view = describeGrant(grant);
  let outcome: "removed" | "already-gone";
  try {
    if (grant.kind === "ROLE_ASSIGNMENT") {
      const name = grant.assignmentId?.split("/").pop() ?? "";
      outcome = (await deleteRoleAssignment(credential, { subscriptionId: grant.subscriptionId, scope: grant.scope, name })) === "deleted" ? "removed" : "already-gone";
    } else {
      const removal = await removeAccessPolicy(credential, { vault, tenantId: ctx.user.tenantId, objectId: grant.principalId, permissions: grant.permissions });
      if (removal.state === "shared") {
        throw new AppError("CONFLICT", `The provider's access policy on ${vault.vaultName} now also holds permissions the portal did not add (${removal.otherPermissions.join(", ")}), so the portal leaves it alone.`, {
          fix: `In ${vault.vaultName} → Access policies, edit the provider's entry and take away ${grant.permissions.join(", ")} yourself.`,
        });
      }
      outcome = removal.state === "removed" ? "removed" : "already-gone";
    }
  } catch (error) {
    await audit(ctx, tenant.id, grant, "FAILURE", { azureCode: error instanceof AppError ? error.code : (azureFailure(error).code ?? null) });
    throw toAzureAppError(error, `remove ${view.what.toLowerCase()} on ${view.where}`, {
      AuthorizationFailed: grant.kind === "ROLE_ASSIGNMENT" ? "Removing a role assignment needs Microsoft.Authorization/roleAssignments/delete (Owner, User Access Administrator or Role Based Access Control Administrator); ask someone who has it." : "Changing access policies needs Key Vault Contributor or Contributor on the vault; ask someone who has it.",
    });
  }
  await ctx.db.portalGrant.update({ where: { id: grant.id }, data: { removedAt: new Date(), removedByOid: ctx.user.userOid } });
  await audit(ctx, tenant.id, grant, "SUCCESS", { outcome });
  return { result: outcome };
}

async function audit(ctx: Ctx, customerTenantId: string, grant: PortalGrant, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>) {
  await recordAudit(ctx.db, {
    actorType: "CUSTOMER",
    actorId: ctx.user.userOid,
    actorTenantId: ctx.user.tenantId,
    actorRole: "CustomerAdmin",
    action: "onboarding.remove_grant",
    targetType: grant.kind === "ROLE_ASSIGNMENT" ? "roleAssignment" : "accessPolicy",
    targetId: grant.assignmentId ?? `${grant.vaultResourceId}/accessPolicies/${grant.principalId}`,
    customerTenantId,
    result,
    requestId: ctx.requestId,
    details: { purpose: grant.purpose, principalId: grant.principalId, vault: grant.vaultResourceId, keyName: grant.keyName, ...details, ...actorNames(ctx.user) },
  });
}
