// What the portal granted in a customer's Azure, and undoing it. Every role assignment, access policy and Managed HSM
// local role assignment the wizard creates (as the signed-in admin) is recorded; when the admin moves to another
// vault, pool or key, the grants on the abandoned one are offered for removal, and at the end the admin's own
// self-granted data role is too. Removal runs with the admin's delegated credential, is idempotent (already gone is
// success) and audited.
import type { Db } from "../db/client";
import type { PortalGrant } from "../db/generated/prisma/client";
import type { SessionUser } from "../auth/session-store";
import { AppError } from "../errors";
import { recordCustomerAudit } from "../audit/customer";
import { actorNames, recordedName } from "../audit/actor-names";
import { delegatedCredential } from "../azure/credentials";
import { azureFailure, toAzureAppError } from "../azure/errors";
import { deleteRoleAssignment, removeAccessPolicy } from "../azure/customer-arm";
import {
  deleteHsmRoleAssignment, hsmKeyScope, hsmRoleAssignmentName, hsmRoleAssignmentUrl, hsmRoleDefinitionId, parseHsmResourceId, parseHsmRoleAssignmentUrl,
  HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME,
} from "../azure/managed-hsm";
import { CRYPTO_OFFICER_ROLE_NAME, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME, keyScope, parseVaultResourceId, roleAssignmentName } from "./access";

type Ctx = { db: Db; user: SessionUser; requestId?: string };

export type GrantPurpose = "PROVIDER_KEY_ACCESS" | "ADMIN_KEY_OFFICER";

export type NewGrant =
  | { kind: "ROLE_ASSIGNMENT"; purpose: GrantPurpose; vaultResourceId: string; scope: string; keyName?: string; principalId: string; principalType: "User" | "ServicePrincipal"; roleId: string }
  | { kind: "ACCESS_POLICY"; purpose: GrantPurpose; vaultResourceId: string; keyName?: string; principalId: string; permissions: string[] }
  /** A pool's local role assignment: `vaultResourceId` names the pool, `hsmUri` its data plane, where the assignment lives. */
  | { kind: "HSM_ROLE_ASSIGNMENT"; purpose: "PROVIDER_KEY_ACCESS"; vaultResourceId: string; hsmUri: string; keyName: string; principalId: string; roleId: string };

/** The record's fields for one grant; null when the store's id is not one the portal knows. */
function grantFields(grant: NewGrant) {
  if (grant.kind === "HSM_ROLE_ASSIGNMENT") {
    const pool = parseHsmResourceId(grant.vaultResourceId);
    if (!pool) return null;
    const localScope = hsmKeyScope(grant.keyName);
    // The pool's address with the local scope: unique across pools (two pools may hold keys of the same name).
    const scope = `${grant.hsmUri.replace(/\/+$/, "")}${localScope}`;
    return {
      subscriptionId: pool.subscriptionId, scope, principalType: "ServicePrincipal", roleDefinitionId: hsmRoleDefinitionId(grant.roleId),
      assignmentId: hsmRoleAssignmentUrl(grant.hsmUri, localScope, hsmRoleAssignmentName(grant.hsmUri, localScope, grant.principalId, grant.roleId)), permissions: [],
    };
  }
  const vault = parseVaultResourceId(grant.vaultResourceId);
  if (!vault) return null;
  if (grant.kind === "ACCESS_POLICY") return { subscriptionId: vault.subscriptionId, scope: grant.vaultResourceId, principalType: "ServicePrincipal", roleDefinitionId: null, assignmentId: null, permissions: grant.permissions };
  return {
    subscriptionId: vault.subscriptionId,
    scope: grant.scope,
    principalType: grant.principalType,
    roleDefinitionId: `/subscriptions/${vault.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${grant.roleId}`,
    assignmentId: `${grant.scope}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(grant.scope, grant.principalId, grant.roleId)}`,
    permissions: [],
  };
}

/** Records a grant the portal just created (a repeat grant of the same thing revives the one record). */
export async function recordPortalGrant(ctx: Ctx, customerTenantId: string, grant: NewGrant): Promise<void> {
  const fields = grantFields(grant);
  if (!fields) return;
  const { scope } = fields;
  const data = { kind: grant.kind, vaultResourceId: grant.vaultResourceId, keyName: grant.keyName ?? null, ...fields, createdByOid: ctx.user.userOid, createdByName: recordedName(actorNames(ctx.user)) ?? null };
  await ctx.db.portalGrant.upsert({
    where: { customerTenantId_purpose_scope_principalId: { customerTenantId, purpose: grant.purpose, scope, principalId: grant.principalId } },
    create: { customerTenantId, purpose: grant.purpose, principalId: grant.principalId, ...data },
    update: { ...data, createdAt: new Date(), removedAt: null, removedByOid: null },
  });
}

export type GrantView = { id: string; kind: PortalGrant["kind"]; purpose: GrantPurpose; what: string; where: string; createdByName: string | null; createdAt: Date };

function storeName(vaultResourceId: string): string {
  return parseVaultResourceId(vaultResourceId)?.vaultName ?? parseHsmResourceId(vaultResourceId)?.hsmName ?? vaultResourceId;
}

export function describeGrant(grant: Pick<PortalGrant, "id" | "kind" | "purpose" | "vaultResourceId" | "keyName" | "permissions" | "createdByName" | "createdAt">): GrantView {
  const purpose = grant.purpose as GrantPurpose;
  const what =
    purpose === "ADMIN_KEY_OFFICER"
      ? `Your admin's role “${CRYPTO_OFFICER_ROLE_NAME}” (to list and create keys)`
      : grant.kind === "HSM_ROLE_ASSIGNMENT"
        ? `The provider's Managed HSM local role “${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}”`
        : grant.kind === "ROLE_ASSIGNMENT"
          ? `The provider's role “${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}”`
          : `The provider's access policy (key permissions ${grant.permissions.join(", ")})`;
  const where =
    grant.kind === "HSM_ROLE_ASSIGNMENT"
      ? `key ${grant.keyName} in Managed HSM ${storeName(grant.vaultResourceId)}`
      : grant.kind === "ROLE_ASSIGNMENT" && grant.keyName
        ? `key ${grant.keyName} in ${storeName(grant.vaultResourceId)}`
        : `vault ${storeName(grant.vaultResourceId)}`;
  return { id: grant.id, kind: grant.kind, purpose, what, where, createdByName: grant.createdByName, createdAt: grant.createdAt };
}

/**
 * Grants the portal made that the current choice no longer needs: the provider's access on another key (RBAC)
 * or another vault (access policies are vault-wide), and the admin's data role on another vault.
 */
export function isAbandoned(grant: Pick<PortalGrant, "kind" | "purpose" | "vaultResourceId" | "scope" | "keyName">, current: { vaultResourceId: string | null; keyName: string | null }): boolean {
  const sameVault = current.vaultResourceId !== null && grant.vaultResourceId.toLowerCase() === current.vaultResourceId.toLowerCase();
  if (grant.purpose === "ADMIN_KEY_OFFICER" || grant.kind === "ACCESS_POLICY") return !sameVault;
  if (grant.kind === "HSM_ROLE_ASSIGNMENT") return !sameVault || grant.keyName?.toLowerCase() !== current.keyName?.toLowerCase();
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
  const credential = delegatedCredential(ctx.db, ctx.user);
  const outcome = grant.kind === "HSM_ROLE_ASSIGNMENT" ? await removeHsmGrant(ctx, tenant.id, grant, credential) : await removeVaultGrant(ctx, tenant.id, grant, credential);
  await ctx.db.portalGrant.update({ where: { id: grant.id }, data: { removedAt: new Date(), removedByOid: ctx.user.userOid } });
  await audit(ctx, tenant.id, grant, "SUCCESS", { outcome });
  return { result: outcome };
}

type Credential = ReturnType<typeof delegatedCredential>;

/** A pool's local role assignment, through the pool's own role-assignment API (Azure RBAC does not know it). */
async function removeHsmGrant(ctx: Ctx, customerTenantId: string, grant: PortalGrant, credential: Credential): Promise<"removed" | "already-gone"> {
  const assignment = grant.assignmentId ? parseHsmRoleAssignmentUrl(grant.assignmentId) : null;
  const hsmName = storeName(grant.vaultResourceId);
  if (!assignment) throw new AppError("CONFLICT", "The recorded Managed HSM role assignment is not valid.", { fix: `Remove it with az keyvault role assignment delete --hsm-name ${hsmName} instead.` });
  try {
    return (await deleteHsmRoleAssignment(credential, assignment)) === "deleted" ? "removed" : "already-gone";
  } catch (error) {
    const view = describeGrant(grant);
    await audit(ctx, customerTenantId, grant, "FAILURE", { azureCode: error instanceof AppError ? error.code : (azureFailure(error).code ?? null) });
    throw toAzureAppError(error, `remove ${view.what.toLowerCase()} on ${view.where}`, {
      ForbiddenByRbac: `Removing a local role assignment in ${hsmName} needs Managed HSM Administrator, Crypto Officer or Policy Administrator on the pool (Azure roles such as Owner do not count there); ask someone who has it.`,
    });
  }
}

async function removeVaultGrant(ctx: Ctx, customerTenantId: string, grant: PortalGrant, credential: Credential): Promise<"removed" | "already-gone"> {
  const vault = parseVaultResourceId(grant.vaultResourceId);
  if (!vault) throw new AppError("CONFLICT", "The recorded vault id is not valid.", { fix: "Remove the grant in the Azure portal instead." });
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
    await audit(ctx, customerTenantId, grant, "FAILURE", { azureCode: error instanceof AppError ? error.code : (azureFailure(error).code ?? null) });
    throw toAzureAppError(error, `remove ${view.what.toLowerCase()} on ${view.where}`, {
      AuthorizationFailed: grant.kind === "ROLE_ASSIGNMENT" ? "Removing a role assignment needs Microsoft.Authorization/roleAssignments/delete (Owner, User Access Administrator or Role Based Access Control Administrator); ask someone who has it." : "Changing access policies needs Key Vault Contributor or Contributor on the vault; ask someone who has it.",
    });
  }
  return outcome;
}

async function audit(ctx: Ctx, customerTenantId: string, grant: PortalGrant, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>) {
  await recordCustomerAudit(ctx, {
    customerTenantId,
    action: "onboarding.remove_grant",
    result,
    actorRole: "CustomerAdmin",
    target: {
      type: grant.kind === "ROLE_ASSIGNMENT" ? "roleAssignment" : grant.kind === "HSM_ROLE_ASSIGNMENT" ? "hsmRoleAssignment" : "accessPolicy",
      id: grant.assignmentId ?? `${grant.vaultResourceId}/accessPolicies/${grant.principalId}`,
    },
    details: { purpose: grant.purpose, principalId: grant.principalId, vault: grant.vaultResourceId, keyName: grant.keyName, ...details },
  });
}
