// The customer's side of an offboarding, once the provider side is done: remove the provider app's access to the key
// (the role assignment onboarding created, or its access policy) and the provider app's enterprise app. The customer
// does it by hand (exact CLI, PowerShell and portal steps), or the portal does it with their delegated access; "Check"
// proves both are gone. Idempotent: what is already gone is reported as such, and a finished offboarding says so.
import type { Db } from "../db/client";
import type { Offboarding } from "../db/generated/prisma/client";
import { delegatedCredential, newCustomerTenantCredential } from "../azure/credentials";
import { accessPolicyExists, deleteRoleAssignment, deleteServicePrincipal, providerAppInstalled, removeAccessPolicy, roleAssignmentExists, type VaultPolicyRef } from "../azure/customer-cleanup";
import { toAzureAppError } from "../azure/errors";
import { findHsmKeyAccess, hsmKeyScope, parseHsmResourceId, removeHsmKeyAccess } from "../azure/managed-hsm";
import { customerPortalLinks, portalHost } from "../azure/portal-links";
import { serverEnv } from "../env";
import { AppError } from "../errors";
import { ACCESS_POLICY_KEY_PERMISSIONS, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME, GIT_BASH_NOTE, keyScope, parseVaultResourceId, roleAssignmentName } from "../onboarding/access";
import { auditAction, type SupportCtx } from "../support/context";
import { notifyCustomerAdmins } from "../support/notifications";
import { latestOffboarding } from "./service";
import type { DiskPolicy } from "./state";

export type AccessToRemove =
  | { kind: "role-assignment"; subscriptionId: string; scope: string; roleAssignmentId: string; vaultName: string; keyName: string }
  | { kind: "access-policy"; vault: VaultPolicyRef; vaultName: string }
  /** The provider app's local role on the key in a Managed HSM pool, in the pool's own RBAC on its data plane (`hsmUri`). */
  | { kind: "hsm-role"; hsmUri: string; hsmName: string; keyName: string; scope: string };

export type CleanupSteps = { cli: string; powershell: string; cliNote: string; portal: { label: string; href: string }[] };

export type CleanupPlan = { access: AccessToRemove[]; servicePrincipalObjectId: string | null; steps: CleanupSteps };

type KeyRef = { vaultResourceId: string; vaultUri: string; keyName: string; permissionModel: "RBAC" | "ACCESS_POLICY" | "MANAGED_HSM" };

/** The Azure CLI and PowerShell commands that remove one piece of the provider app's access (`sp`: its object id). */
function removalCommands(a: AccessToRemove, sp: string): { cli: string; powershell: string } {
  switch (a.kind) {
    case "role-assignment":
      return { cli: `MSYS_NO_PATHCONV=1 az role assignment delete --ids "${a.roleAssignmentId}"`, powershell: `Remove-AzRoleAssignment -ObjectId ${sp} -RoleDefinitionName "${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}" -Scope "${a.scope}"` };
    case "access-policy":
      return { cli: `az keyvault delete-policy --name ${a.vaultName} --object-id ${sp}`, powershell: `Remove-AzKeyVaultAccessPolicy -VaultName ${a.vaultName} -ObjectId ${sp}` };
    case "hsm-role":
      return { cli: `az keyvault role assignment delete --hsm-name ${a.hsmName} --assignee ${sp} --scope ${a.scope}`, powershell: `Remove-AzKeyVaultRoleAssignment -HsmName ${a.hsmName} -ObjectId ${sp} -Scope ${a.scope}` };
  }
}

/** What onboarding created in the customer's tenant, and the exact commands that remove it. */
export function cleanupPlan(tenant: { tenantId: string; servicePrincipalObjectId: string | null }, keys: KeyRef[]): CleanupPlan {
  const sp = tenant.servicePrincipalObjectId;
  const seen = new Set<string>();
  const access: AccessToRemove[] = [];
  for (const key of keys) {
    const id = `${key.vaultResourceId}|${key.keyName}`.toLowerCase();
    if (!sp || seen.has(id)) continue;
    if (key.permissionModel === "MANAGED_HSM") {
      // The pool's local RBAC, on its data plane.
      const pool = parseHsmResourceId(key.vaultResourceId);
      if (!pool) continue;
      seen.add(id);
      const scope = hsmKeyScope(key.keyName);
      access.push({ kind: "hsm-role", hsmUri: key.vaultUri, hsmName: pool.hsmName, keyName: key.keyName, scope });
      continue;
    }
    const vault = parseVaultResourceId(key.vaultResourceId);
    if (!vault) continue;
    seen.add(id);
    if (key.permissionModel === "RBAC") {
      const scope = keyScope(key.vaultResourceId, key.keyName);
      access.push({ kind: "role-assignment", subscriptionId: vault.subscriptionId, scope, roleAssignmentId: `${scope}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(scope, sp)}`, vaultName: vault.vaultName, keyName: key.keyName });
    } else {
      access.push({ kind: "access-policy", vault: { subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup, vaultName: vault.vaultName, tenantId: tenant.tenantId }, vaultName: vault.vaultName });
    }
  }
  const commands = access.map((a) => removalCommands(a, sp ?? ""));
  const cli = [...commands.map((c) => c.cli), ...(sp ? [`az ad sp delete --id ${sp}`] : [])].join("\n");
  const powershell = [...commands.map((c) => c.powershell), ...(sp ? [`Remove-AzADServicePrincipal -ObjectId ${sp}`] : [])].join("\n");
  const first = keys.find((k) => k.permissionModel !== "MANAGED_HSM");
  const links = first
    ? customerPortalLinks({ portal: portalHost(), tenantId: tenant.tenantId, vaultResourceId: first.vaultResourceId, keyName: first.keyName, cmkAppClientId: serverEnv().CMK_APP_CLIENT_ID, servicePrincipalObjectId: sp })
    : null;
  const portal = links
    ? [
        { label: first?.permissionModel === "RBAC" ? "The key's Access control (IAM): remove the provider app's role assignment" : "The vault's access policies: remove the provider app's policy", href: first?.permissionModel === "RBAC" ? links.keyAccessControl : `${links.vault}/access_policies` },
        ...(links.enterpriseApp ? [{ label: "The provider's enterprise app: Properties → Delete", href: links.enterpriseApp }] : []),
      ]
    : [];
  return { access, servicePrincipalObjectId: sp, steps: { cli, powershell, cliNote: GIT_BASH_NOTE, portal } };
}

async function tenantWithKeys(db: Db, entraTenantId: string) {
  return db.customerTenant.findUnique({ where: { tenantId: entraTenantId }, include: { diskEncryptionSets: { include: { keyReference: true }, orderBy: { region: "asc" } } } });
}

/** `policy`: what the provider does with its disks now (a request keeps the policy it was made under). */
export type CustomerOffboardingView = { offboarding: Offboarding | null; plan: CleanupPlan | null; hasDiskEncryptionSet: boolean; policy: DiskPolicy };

/** Everything the status page shows of the customer's disconnect. */
export async function customerOffboardingView(db: Db, entraTenantId: string): Promise<CustomerOffboardingView> {
  const tenant = await tenantWithKeys(db, entraTenantId);
  const policy = serverEnv().OFFBOARDING_DISK_POLICY;
  if (!tenant) return { offboarding: null, plan: null, hasDiskEncryptionSet: false, policy };
  const offboarding = await latestOffboarding(db, tenant.id);
  const plan = cleanupPlan(tenant, tenant.diskEncryptionSets.map((d) => d.keyReference));
  return { offboarding, plan, hasDiskEncryptionSet: tenant.diskEncryptionSets.some((d) => d.provisioningState !== "DELETED"), policy };
}

type CleanupContext = { tenant: NonNullable<Awaited<ReturnType<typeof tenantWithKeys>>>; row: Offboarding; plan: CleanupPlan };

async function cleanupContext(ctx: SupportCtx, action: string, offboardingId: string): Promise<CleanupContext | { alreadyDone: Offboarding }> {
  const tenant = await tenantWithKeys(ctx.db, ctx.user.tenantId);
  const row = tenant ? await ctx.db.offboarding.findUnique({ where: { id: offboardingId } }) : null;
  if (!tenant || !row || row.customerTenantId !== tenant.id) {
    if (row) await auditAction(ctx, row.customerTenantId, action, "DENIED", { targetType: "offboarding", targetId: row.id, details: { problem: "other-tenant", actorTenantId: ctx.user.tenantId } });
    throw new AppError("NOT_FOUND", "There is no disconnect of your organization with this id.", { fix: "Reload the status page." });
  }
  if (row.state === "COMPLETED") return { alreadyDone: row };
  if (row.state !== "PROVIDER_DONE" && row.state !== "CUSTOMER_CLEANUP") {
    await auditAction(ctx, tenant.id, action, "FAILURE", { targetType: "offboarding", targetId: row.id, details: { problem: `state-${row.state.toLowerCase()}` } });
    throw new AppError("CONFLICT", "The provider has not finished its side yet.", { fix: "Remove nothing yet: your disks still need the key until the provider's side is done. This page shows when." });
  }
  return { tenant, row, plan: cleanupPlan(tenant, tenant.diskEncryptionSets.map((d) => d.keyReference)) };
}

export type CleanupResult = {
  alreadyDone: boolean;
  state: Offboarding["state"];
  access: "removed" | "absent" | "still-there";
  enterpriseApp: "removed" | "absent" | "forbidden" | "still-there";
};

/** Records what is gone and closes the offboarding when both are. */
async function record(ctx: SupportCtx, c: CleanupContext, accessGone: boolean, appGone: boolean, action: string, details: Record<string, unknown>): Promise<Offboarding> {
  const now = new Date();
  const done = accessGone && appGone;
  const changed = await ctx.db.offboarding.updateMany({
    where: { id: c.row.id, state: { in: ["PROVIDER_DONE", "CUSTOMER_CLEANUP"] } },
    data: {
      state: done ? "COMPLETED" : "CUSTOMER_CLEANUP",
      ...(accessGone && !c.row.roleAssignmentRemovedAt ? { roleAssignmentRemovedAt: now } : {}),
      ...(appGone && !c.row.servicePrincipalRemovedAt ? { servicePrincipalRemovedAt: now } : {}),
      ...(done ? { completedAt: now } : {}),
    },
  });
  const row = await ctx.db.offboarding.findUniqueOrThrow({ where: { id: c.row.id } });
  await auditAction(ctx, c.tenant.id, action, "SUCCESS", { targetType: "offboarding", targetId: c.row.id, details: { ...details, state: row.state } });
  if (done && changed.count === 1) {
    await ctx.db.customerTenant.update({ where: { id: c.tenant.id }, data: { consentStatus: "REMOVED" } });
    await auditAction(ctx, c.tenant.id, "customer.offboarding.completed", "SUCCESS", { targetType: "offboarding", targetId: c.row.id });
    await notifyCustomerAdmins(ctx.db, { customerTenantId: c.tenant.id, kind: "OFFBOARDING_COMPLETED", title: "Disconnected", message: "The provider's access to your key and its enterprise app are removed. The provider no longer uses your key." });
  }
  return row;
}

async function accessStillThere(credential: ReturnType<typeof delegatedCredential>, plan: CleanupPlan): Promise<boolean> {
  const sp = plan.servicePrincipalObjectId ?? "";
  for (const a of plan.access) {
    const exists =
      a.kind === "role-assignment" ? await roleAssignmentExists(credential, a.subscriptionId, a.roleAssignmentId)
      : a.kind === "hsm-role" ? (await findHsmKeyAccess(credential, { hsmUri: a.hsmUri, keyName: a.keyName, servicePrincipalObjectId: sp })).state === "granted"
      : await accessPolicyExists(credential, a.vault, sp);
    if (exists) return true;
  }
  return false;
}

/** Removes one piece of access; "removed" or "absent" (already gone). */
async function removeAccess(credential: ReturnType<typeof delegatedCredential>, a: AccessToRemove, sp: string): Promise<"removed" | "absent"> {
  try {
    if (a.kind === "role-assignment") return await deleteRoleAssignment(credential, a.subscriptionId, a.roleAssignmentId);
    if (a.kind === "access-policy") return await removeAccessPolicy(credential, a.vault, sp, ACCESS_POLICY_KEY_PERMISSIONS);
    return (await removeHsmKeyAccess(credential, { hsmUri: a.hsmUri, keyName: a.keyName, servicePrincipalObjectId: sp })) === "deleted" ? "removed" : "absent";
  } catch (error) {
    if (a.kind !== "hsm-role") {
      throw toAzureAppError(error, "remove the provider app's access to your key", { AuthorizationFailed: "Removing a role assignment needs Owner or User Access Administrator on the key (or its vault): use an account that has it, or follow the manual steps." });
    }
    throw toAzureAppError(error, `remove the provider app's local role on key ${a.keyName} in Managed HSM ${a.hsmName}`, {
      ForbiddenByRbac: `Removing a local role assignment in ${a.hsmName} needs Managed HSM Administrator, Crypto Officer or Policy Administrator on the pool (Azure roles such as Owner do not count there): use an account that has it, or follow the manual steps.`,
    });
  }
}

/**
 * "Do it for me": removes the access and the enterprise app with the admin's own delegated rights. Entra lets a
 * delegated caller delete a service principal only with Application.ReadWrite.All and an application admin role;
 * without them the result says "forbidden" and the page shows that one manual step.
 */
export async function cleanupForCustomer(ctx: SupportCtx, input: { offboardingId: string }): Promise<CleanupResult> {
  const c = await cleanupContext(ctx, "customer.offboarding.cleanup", input.offboardingId);
  if ("alreadyDone" in c) return { alreadyDone: true, state: c.alreadyDone.state, access: "absent", enterpriseApp: "absent" };
  const credential = delegatedCredential(ctx.db, ctx.user);
  let access: "removed" | "absent" = "absent";
  try {
    for (const a of c.plan.access) {
      if ((await removeAccess(credential, a, c.plan.servicePrincipalObjectId ?? "")) === "removed") access = "removed";
    }
  } catch (error) {
    await auditAction(ctx, c.tenant.id, "customer.offboarding.cleanup", "FAILURE", { targetType: "offboarding", targetId: c.row.id, details: { step: "access" } });
    throw error;
  }
  let enterpriseApp: CleanupResult["enterpriseApp"] = "absent";
  if (c.plan.servicePrincipalObjectId) {
    try {
      enterpriseApp = await deleteServicePrincipal(credential, c.plan.servicePrincipalObjectId);
    } catch (error) {
      await auditAction(ctx, c.tenant.id, "customer.offboarding.cleanup", "FAILURE", { targetType: "offboarding", targetId: c.row.id, details: { step: "enterprise-app", access } });
      throw toAzureAppError(error, "delete the provider's enterprise app");
    }
  }
  const row = await record(ctx, c, true, enterpriseApp !== "forbidden", "customer.offboarding.cleanup", { access, enterpriseApp });
  return { alreadyDone: false, state: row.state, access, enterpriseApp };
}

/** "Check again" after manual steps: reads whether the access and the enterprise app are really gone. */
export async function checkCleanupForCustomer(ctx: SupportCtx, input: { offboardingId: string }): Promise<CleanupResult> {
  const c = await cleanupContext(ctx, "customer.offboarding.check", input.offboardingId);
  if ("alreadyDone" in c) return { alreadyDone: true, state: c.alreadyDone.state, access: "absent", enterpriseApp: "absent" };
  let accessThere: boolean;
  let appThere: boolean;
  try {
    accessThere = await accessStillThere(delegatedCredential(ctx.db, ctx.user), c.plan);
    appThere = await providerAppInstalled(newCustomerTenantCredential(c.tenant.tenantId));
  } catch (error) {
    throw toAzureAppError(error, "check what is left in your tenant");
  }
  const row = await record(ctx, c, !accessThere, !appThere, "customer.offboarding.check", { accessThere, appThere });
  return { alreadyDone: false, state: row.state, access: accessThere ? "still-there" : "absent", enterpriseApp: appThere ? "still-there" : "absent" };
}
