// The wizard's service layer: every operation acts on the signed-in admin's own tenant (from the session),
// calls the customer's Azure with their delegated token, and records progress in the database.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { recordCustomerAudit } from "../audit/customer";
import { recordDeniedAudit } from "../audit/denied";
import { logger } from "../logger";
import type { SessionUser } from "../auth/session-store";
import { delegatedCredential } from "../azure/credentials";
import { toAzureAppError, azureFailure } from "../azure/errors";
import {
  assignRole,
  countKeyVersions,
  createKey,
  createVault,
  findKeyAccess,
  getKey,
  getVault,
  grantKeyAccess,
  listKeys,
  listResourceGroups,
  listSubscriptions,
  listVaults,
  type KeySummary,
  type NewKeyInput,
  type VaultSummary,
} from "../azure/customer-arm";
import { checkKey, checkVault, normaliseRegion, parseVersionedKeyUrl, worst, type CheckItem } from "./checks";
import { accessSnippets, CRYPTO_OFFICER_ROLE_ID, CRYPTO_OFFICER_ROLE_NAME, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID, keyScope, parseVaultResourceId, type AccessSnippets } from "./access";
import { recordPortalGrant } from "./grants";
import { advanceOnboarding, reopenOnboardingAt } from "./progress";
import { customerOnboarding } from "./queries";
import { actorNames, recordedName } from "../audit/actor-names";
import { stepIndex } from "./steps";
import { confirmHsmAccess, createHsmKeyForOnboarding, grantHsmAccess, hsmVerificationFacts, isManagedHsmOnboarding, selectHsmKey } from "./managed-hsm";
import { enqueueKeyVerification, PROBE_SKIPPED_NOTICE, VERIFICATION_RESET, verificationView, type AccessSeen, type VerificationView, type VerifyKeyPayload } from "./verification";
const VAULT_CACHE_MS = 60_000;
export const VAULT_PAGE_SIZE = 20;

export type Ctx = { db: Db; user: SessionUser; requestId?: string };

export async function audit(ctx: Ctx, customerTenantId: string, action: string, result: "SUCCESS" | "FAILURE", details?: Record<string, unknown>, target?: { type: string; id: string }) {
  await recordCustomerAudit(ctx, { customerTenantId, action, result, details, target, actorRole: "CustomerAdmin" });
}

/** The onboarding of the session's tenant, refusing steps that are not open yet. */
export async function onboardingAt(ctx: Ctx, minimumStep: Parameters<typeof stepIndex>[0]) {
  const found = await customerOnboarding(ctx.db, ctx.user.tenantId);
  if (found.onboarding.step === "SUBMITTED") throw new AppError("CONFLICT", "Onboarding was already submitted.", { fix: "See the status page." });
  if (stepIndex(found.onboarding.step) < stepIndex(minimumStep)) throw new AppError("CONFLICT", "Finish the earlier steps first.", { fix: "Continue from the step the wizard shows as current." });
  return found;
}

export function requireConsent(tenant: { consentStatus: string; servicePrincipalObjectId: string | null }): string {
  if (tenant.consentStatus !== "GRANTED" || !tenant.servicePrincipalObjectId) {
    throw new AppError("CONFLICT", tenant.consentStatus === "REMOVED" ? "Consent was removed: the provider's app is no longer installed in your organization." : "Consent has not been granted yet.", { fix: "Grant admin consent in step 1 again." });
  }
  return tenant.servicePrincipalObjectId;
}

// ─── Step 2: key vault ────────────────────────────────────────────────────

export async function subscriptionsFor(ctx: Ctx) {
  try {
    return await listSubscriptions(delegatedCredential(ctx.db, ctx.user));
  } catch (error) {
    throw toAzureAppError(error, "list your subscriptions");
  }
}

/** Resource groups for a new vault; an empty list when the admin may not read them (they can still type one). */
export async function resourceGroupsFor(ctx: Ctx, subscriptionId: string): Promise<string[]> {
  try {
    return (await listResourceGroups(delegatedCredential(ctx.db, ctx.user), subscriptionId)).map((g) => g.name);
  } catch {
    return [];
  }
}

const vaultCache = new Map<string, { at: number; vaults: VaultSummary[] }>();

export type VaultCandidate = VaultSummary & { checks: CheckItem[]; readiness: "pass" | "warn" | "fail" };
export type VaultPage = { vaults: VaultCandidate[]; total: number; page: number; pageCount: number; subscriptionId: string };

/** Search and page through every vault of a subscription (thousands stay usable: listed once, cached briefly). */
export async function searchVaults(ctx: Ctx, input: { subscriptionId: string; search?: string; page?: number; refresh?: boolean }): Promise<VaultPage> {
  const key = `${ctx.user.idHash}:${input.subscriptionId}`;
  let cached = vaultCache.get(key);
  if (!cached || input.refresh || Date.now() - cached.at > VAULT_CACHE_MS) {
    try {
      cached = { at: Date.now(), vaults: await listVaults(delegatedCredential(ctx.db, ctx.user), input.subscriptionId) };
    } catch (error) {
      throw toAzureAppError(error, "list the key vaults of this subscription", { AuthorizationFailed: "You need at least Reader on the subscription (or on the vaults) to list them." });
    }
    vaultCache.set(key, cached);
  }
  return { ...pageOfVaults(cached.vaults, { search: input.search, page: input.page, regions: serverEnv().PROVIDER_DES_REGIONS }), subscriptionId: input.subscriptionId };
}

/** Search (name, resource group, region) and one page of a subscription's vaults, with their checks. Pure. */
export function pageOfVaults(all: VaultSummary[], input: { search?: string; page?: number; regions: string[] }): Omit<VaultPage, "subscriptionId"> {
  const term = input.search?.trim().toLowerCase() ?? "";
  const matching = term ? all.filter((v) => v.name.toLowerCase().includes(term) || v.resourceGroup.toLowerCase().includes(term) || v.location.toLowerCase().includes(term)) : all;
  const pageCount = Math.max(1, Math.ceil(matching.length / VAULT_PAGE_SIZE));
  const page = Math.min(Math.max(1, Math.trunc(input.page ?? 1)), pageCount);
  // Checks only for the page shown: thousands of vaults cost one list call and a filter, nothing more.
  const vaults = matching.slice((page - 1) * VAULT_PAGE_SIZE, page * VAULT_PAGE_SIZE).map((v) => {
    const checks = checkVault(v, input.regions);
    return { ...v, checks, readiness: worst(checks) };
  });
  return { vaults, total: matching.length, page, pageCount };
}

/**
 * A refused attempt on another tenant's subscription or vault: audited (rate-limited, see lib/audit/denied.ts)
 * with what was attempted, and logged, whether Azure refused it or our own tenant check did.
 */
async function refusedCrossTenant(ctx: Ctx, attempted: string, vaultResourceId: string, reason: "azure-refused" | "tenant-check", extra: Record<string, unknown>) {
  const tenant = await ctx.db.customerTenant.findUnique({ where: { tenantId: ctx.user.tenantId }, select: { id: true } });
  const details = { attemptedAction: attempted, vaultResourceId, subscriptionId: parseVaultResourceId(vaultResourceId)?.subscriptionId ?? null, reason, ...extra };
  logger.warn({ actorId: ctx.user.userOid, actorTenantId: ctx.user.tenantId, requestId: ctx.requestId, ...details }, "cross-tenant attempt refused");
  await recordDeniedAudit(ctx.db, { actorType: "CUSTOMER", actorId: ctx.user.userOid, actorTenantId: ctx.user.tenantId, actorRole: ctx.user.roles.join(",") || null, action: `${attempted}.cross_tenant`, targetType: "vault", targetId: vaultResourceId, customerTenantId: tenant?.id ?? null, requestId: ctx.requestId, details });
}

async function readVault(ctx: Ctx, vaultResourceId: string, attempted = "onboarding.read_vault"): Promise<VaultSummary> {
  const ref = parseVaultResourceId(vaultResourceId);
  if (!ref) throw new AppError("VALIDATION_FAILED", "That is not a key vault resource id.", { fix: "Pick a vault from the list." });
  let vault: VaultSummary;
  try {
    vault = await getVault(delegatedCredential(ctx.db, ctx.user), ref);
  } catch (error) {
    const failure = azureFailure(error);
    if (failure.code === "InvalidAuthenticationTokenTenant") await refusedCrossTenant(ctx, attempted, vaultResourceId, "azure-refused", { azureCode: failure.code });
    throw toAzureAppError(error, "read this key vault");
  }
  if (vault.tenantId.toLowerCase() !== ctx.user.tenantId.toLowerCase()) {
    await refusedCrossTenant(ctx, attempted, vaultResourceId, "tenant-check", { vaultTenantId: vault.tenantId });
    throw new AppError("FORBIDDEN", "This vault belongs to another organization's tenant.", { fix: "Pick a vault of your own organization." });
  }
  return vault;
}

export async function selectVault(ctx: Ctx, input: { vaultResourceId: string }): Promise<{ vault: VaultCandidate }> {
  const { tenant, onboarding } = await onboardingAt(ctx, "KEY_VAULT");
  requireConsent(tenant);
  const vault = await readVault(ctx, input.vaultResourceId, "onboarding.select_vault");
  const checks = checkVault(vault, serverEnv().PROVIDER_DES_REGIONS);
  const failing = checks.filter((c) => c.status === "fail");
  if (failing.length > 0) {
    await audit(ctx, tenant.id, "onboarding.select_vault", "FAILURE", { vault: vault.vaultResourceId, failing: failing.map((c) => c.id) }, { type: "vault", id: vault.vaultResourceId });
    throw new AppError("VALIDATION_FAILED", `This vault cannot be used: ${failing.map((c) => c.title.toLowerCase()).join(", ")}.`, { fix: failing[0]?.fix });
  }
  if (onboarding.vaultResourceId !== vault.vaultResourceId && stepIndex(onboarding.step) > stepIndex("KEY")) await reopenOnboardingAt(ctx.db, tenant.id, "KEY", ctx.user.userOid, recordedName(ctx.user));
  await ctx.db.onboarding.update({
    where: { id: onboarding.id },
    data:
      onboarding.vaultResourceId === vault.vaultResourceId
        ? {}
        : { subscriptionId: vault.subscriptionId, vaultResourceId: vault.vaultResourceId, permissionModel: vault.rbacAuthorization ? "RBAC" : "ACCESS_POLICY", region: normaliseRegion(vault.location), keyName: null, keyUrl: null, ...VERIFICATION_RESET },
  });
  await advanceOnboarding(ctx.db, tenant.id, "KEY", ctx.user.userOid, recordedName(ctx.user), vault.name);
  await audit(ctx, tenant.id, "onboarding.select_vault", "SUCCESS", { vault: vault.vaultResourceId, vaultName: vault.name }, { type: "vault", id: vault.vaultResourceId });
  return { vault: { ...vault, checks, readiness: worst(checks) } };
}

export const VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

export async function createVaultForOnboarding(ctx: Ctx, input: { subscriptionId: string; resourceGroup: string; name: string; region: string }) {
  const { tenant } = await onboardingAt(ctx, "KEY_VAULT");
  requireConsent(tenant);
  const region = normaliseRegion(input.region);
  if (!serverEnv().PROVIDER_DES_REGIONS.includes(region)) {
    throw new AppError("VALIDATION_FAILED", `The vault must be in ${serverEnv().PROVIDER_DES_REGIONS.join(" or ")}, where your disks run.`, { fields: { region: "Choose one of the listed regions." } });
  }
  let vault: VaultSummary;
  try {
    vault = await createVault(delegatedCredential(ctx.db, ctx.user), { subscriptionId: input.subscriptionId, resourceGroup: input.resourceGroup, name: input.name, location: region, tenantId: ctx.user.tenantId });
  } catch (error) {
    const failure = azureFailure(error);
    await audit(ctx, tenant.id, "onboarding.create_vault", "FAILURE", { name: input.name, azureCode: failure.code ?? null });
    throw toAzureAppError(error, `create the vault ${input.name}`, {
      AuthorizationFailed: "You need Contributor (or Key Vault Contributor) on the resource group to create a vault; ask someone who has it, or pick an existing vault.",
      VaultAlreadyExists: "That vault name is taken (names are global across Azure); choose another.",
      ResourceGroupNotFound: "That resource group does not exist in this subscription.",
    });
  }
  vaultCache.delete(`${ctx.user.idHash}:${input.subscriptionId}`);
  await audit(ctx, tenant.id, "onboarding.create_vault", "SUCCESS", { vault: vault.vaultResourceId }, { type: "vault", id: vault.vaultResourceId });
  // As the Azure portal does for a vault's creator: on an RBAC vault, Owner alone cannot create keys.
  await grantMyselfKeyOfficer(ctx, tenant.id, vault).catch(() => undefined);
  return selectVault(ctx, { vaultResourceId: vault.vaultResourceId });
}

// ─── Step 3: key ──────────────────────────────────────────────────────────

export type KeyCandidate = KeySummary & { checks: CheckItem[]; readiness: "pass" | "warn" | "fail"; versionCount: number };

export async function keysOfSelectedVault(ctx: Ctx): Promise<{ vault: VaultSummary; keys: KeyCandidate[] }> {
  const { onboarding } = await onboardingAt(ctx, "KEY");
  if (!onboarding.vaultResourceId) throw new AppError("CONFLICT", "Choose a key vault first.", { fix: "Go back to the key vault step." });
  const vault = await readVault(ctx, onboarding.vaultResourceId);
  const credential = delegatedCredential(ctx.db, ctx.user);
  try {
    const keys = await listKeys(credential, vault);
    const now = new Date();
    const withVersions = await Promise.all(
      keys.map(async (key) => {
        const checks = checkKey(key, now);
        return { ...key, checks, readiness: worst(checks), versionCount: await countKeyVersions(credential, vault, key.name) };
      }),
    );
    return { vault, keys: withVersions };
  } catch (error) {
    throw keyAccessError(error, vault, "list the keys of this vault");
  }
}

/** RBAC vaults check key operations against data roles, which Owner does not have: say so, and offer the fix. */
function keyAccessError(error: unknown, vault: VaultSummary, what: string): AppError {
  if (vault.rbacAuthorization && azureFailure(error).code === "ForbiddenByRbac") {
    return new AppError("FORBIDDEN", `Your account cannot read or create keys in ${vault.name}: this vault uses Azure RBAC, and even Owner needs a Key Vault data role for keys.`, {
      fix: `Give yourself “${CRYPTO_OFFICER_ROLE_NAME}” on this vault (button below, if you may assign roles), or ask someone who can. New roles can take a minute to apply.`,
      azureCode: "ForbiddenByRbac",
    });
  }
  return toAzureAppError(error, what, { AuthorizationFailed: "You need Reader (or Key Vault Reader) on the vault to list its keys." });
}

/** Assigns the signed-in admin Key Vault Crypto Officer on the vault (needs the right to assign roles); recorded so it can be undone. */
async function grantMyselfKeyOfficer(ctx: Ctx, customerTenantId: string, vault: VaultSummary): Promise<"created" | "existed"> {
  const result = await assignRole(delegatedCredential(ctx.db, ctx.user), {
    subscriptionId: vault.subscriptionId,
    scope: vault.vaultResourceId,
    roleId: CRYPTO_OFFICER_ROLE_ID,
    principalId: ctx.user.userOid,
    principalType: "User",
    description: "CMK Portal: lets this admin list and create keys for disk encryption",
  });
  if (result === "created") {
    await recordPortalGrant(ctx, customerTenantId, { kind: "ROLE_ASSIGNMENT", purpose: "ADMIN_KEY_OFFICER", vaultResourceId: vault.vaultResourceId, scope: vault.vaultResourceId, principalId: ctx.user.userOid, principalType: "User", roleId: CRYPTO_OFFICER_ROLE_ID });
  }
  return result;
}

export async function grantMyselfKeyAccess(ctx: Ctx): Promise<{ result: "created" | "existed" }> {
  const { tenant, onboarding } = await onboardingAt(ctx, "KEY");
  if (!onboarding.vaultResourceId) throw new AppError("CONFLICT", "Choose a key vault first.", { fix: "Go back to the key vault step." });
  const vault = await readVault(ctx, onboarding.vaultResourceId);
  if (!vault.rbacAuthorization) throw new AppError("VALIDATION_FAILED", "This vault uses access policies, not Azure RBAC.", { fix: "Add an access policy for your account in the vault's Access policies settings." });
  try {
    const result = await grantMyselfKeyOfficer(ctx, tenant.id, vault);
    await audit(ctx, tenant.id, "onboarding.grant_self_key_officer", "SUCCESS", { vault: vault.vaultResourceId, result }, { type: "vault", id: vault.vaultResourceId });
    return { result };
  } catch (error) {
    await audit(ctx, tenant.id, "onboarding.grant_self_key_officer", "FAILURE", { vault: vault.vaultResourceId, azureCode: azureFailure(error).code ?? null });
    throw toAzureAppError(error, `give you ${CRYPTO_OFFICER_ROLE_NAME} on ${vault.name}`, { AuthorizationFailed: "Your account cannot assign roles on this vault; ask an Owner or User Access Administrator to assign you Key Vault Crypto Officer." });
  }
}

export async function selectKey(ctx: Ctx, input: { keyName: string }): Promise<{ keyUrl: string }> {
  if (await isManagedHsmOnboarding(ctx)) return selectHsmKey(ctx, input);
  const { tenant, onboarding } = await onboardingAt(ctx, "KEY");
  if (!onboarding.vaultResourceId) throw new AppError("CONFLICT", "Choose a key vault first.", { fix: "Go back to the key vault step." });
  const vault = await readVault(ctx, onboarding.vaultResourceId);
  let key: KeySummary;
  try {
    key = await getKey(delegatedCredential(ctx.db, ctx.user), vault, input.keyName);
  } catch (error) {
    throw keyAccessError(error, vault, `read the key ${input.keyName}`);
  }
  const failing = checkKey(key).filter((c) => c.status === "fail");
  if (failing.length > 0) {
    await audit(ctx, tenant.id, "onboarding.select_key", "FAILURE", { key: key.keyUri, failing: failing.map((c) => c.id) });
    throw new AppError("VALIDATION_FAILED", `This key cannot be used: ${failing.map((c) => c.reason).join(" ")}`, { fix: failing[0]?.fix });
  }
  // The key URL is later handed to the provider's probe and Azure: it must name a vault of the configured cloud.
  const parsed = parseVersionedKeyUrl(key.keyUriWithVersion);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `This key cannot be used: ${parsed.reason}`, { fix: "Pick a key in a Key Vault of the provider's Azure cloud." });
  const keyUrl = parsed.key.keyUrl;
  if (onboarding.keyUrl !== keyUrl && stepIndex(onboarding.step) > stepIndex("ACCESS")) await reopenOnboardingAt(ctx.db, tenant.id, "ACCESS", ctx.user.userOid, recordedName(ctx.user));
  if (onboarding.keyUrl !== keyUrl) {
    await ctx.db.onboarding.update({ where: { id: onboarding.id }, data: { keyName: key.name, keyUrl, ...VERIFICATION_RESET } });
  }
  await advanceOnboarding(ctx.db, tenant.id, "ACCESS", ctx.user.userOid, recordedName(ctx.user), key.name);
  await audit(ctx, tenant.id, "onboarding.select_key", "SUCCESS", { keyUrl }, { type: "key", id: keyUrl });
  return { keyUrl };
}

export const KEY_NAME = /^[a-zA-Z0-9-]{1,127}$/;

export async function createKeyForOnboarding(ctx: Ctx, input: NewKeyInput) {
  if (await isManagedHsmOnboarding(ctx)) return createHsmKeyForOnboarding(ctx, { name: input.name, keySize: input.keySize });
  const { tenant, onboarding } = await onboardingAt(ctx, "KEY");
  if (!onboarding.vaultResourceId) throw new AppError("CONFLICT", "Choose a key vault first.", { fix: "Go back to the key vault step." });
  const vault = await readVault(ctx, onboarding.vaultResourceId);
  try {
    await createKey(delegatedCredential(ctx.db, ctx.user), vault, input);
  } catch (error) {
    await audit(ctx, tenant.id, "onboarding.create_key", "FAILURE", { name: input.name, azureCode: azureFailure(error).code ?? null });
    throw keyAccessError(error, vault, `create the key ${input.name}`);
  }
  await audit(ctx, tenant.id, "onboarding.create_key", "SUCCESS", { name: input.name, keyType: input.keyType, keySize: input.keySize, rotation: input.rotation ?? null });
  return selectKey(ctx, { keyName: input.name });
}

// ─── Step 4: access ───────────────────────────────────────────────────────

async function selectedKey(ctx: Ctx) {
  const found = await onboardingAt(ctx, "ACCESS");
  const { onboarding, tenant } = found;
  if (!onboarding.vaultResourceId || !onboarding.keyName || !onboarding.keyUrl) throw new AppError("CONFLICT", "Choose a key first.", { fix: "Go back to the key step." });
  const servicePrincipalObjectId = requireConsent(tenant);
  const vault = await readVault(ctx, onboarding.vaultResourceId);
  return { ...found, vault, keyName: onboarding.keyName, keyUrl: onboarding.keyUrl, servicePrincipalObjectId };
}

export type AccessOutcome = { status: "granted"; method: "role-assignment" | "access-policy"; existed: boolean } | { status: "needs-admin"; reason: string; snippets: AccessSnippets };

export async function grantAccess(ctx: Ctx): Promise<AccessOutcome> {
  if (await isManagedHsmOnboarding(ctx)) return grantHsmAccess(ctx);
  const { tenant, vault, keyName, servicePrincipalObjectId } = await selectedKey(ctx);
  const method = vault.rbacAuthorization ? "role-assignment" : "access-policy";
  const snippets = accessSnippets({ permissionModel: vault.rbacAuthorization ? "RBAC" : "ACCESS_POLICY", vault, keyName, servicePrincipalObjectId });
  try {
    const { result, addedPermissions } = await grantKeyAccess(delegatedCredential(ctx.db, ctx.user), { vault, keyName, servicePrincipalObjectId });
    if (result === "created") {
      await recordPortalGrant(
        ctx,
        tenant.id,
        vault.rbacAuthorization
          ? { kind: "ROLE_ASSIGNMENT", purpose: "PROVIDER_KEY_ACCESS", vaultResourceId: vault.vaultResourceId, scope: keyScope(vault.vaultResourceId, keyName), keyName, principalId: servicePrincipalObjectId, principalType: "ServicePrincipal", roleId: CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID }
          : { kind: "ACCESS_POLICY", purpose: "PROVIDER_KEY_ACCESS", vaultResourceId: vault.vaultResourceId, principalId: servicePrincipalObjectId, permissions: addedPermissions ?? [] },
      );
    }
    await markAccessGranted(ctx, tenant.id, { method, result, vaultName: vault.name, keyName });
    return { status: "granted", method, existed: result === "existed" };
  } catch (error) {
    const failure = azureFailure(error);
    await audit(ctx, tenant.id, "onboarding.grant_access", "FAILURE", { method, azureCode: failure.code ?? null, status: failure.status ?? null });
    if (failure.status === 403) {
      return {
        status: "needs-admin",
        reason: vault.rbacAuthorization
          ? "Your account cannot assign roles on this vault (that needs Owner, User Access Administrator or Role Based Access Control Administrator)."
          : "Your account cannot change this vault's access policies (that needs Key Vault Contributor or Contributor).",
        snippets,
      };
    }
    throw toAzureAppError(error, "grant the provider access to the key", { PrincipalNotFound: "The provider's app is still being set up in your directory; wait a minute and try again." });
  }
}

async function markAccessGranted(ctx: Ctx, customerTenantId: string, details: Record<string, unknown> & { vaultName: string; keyName: string }) {
  const onboarding = await ctx.db.onboarding.findUniqueOrThrow({ where: { customerTenantId } });
  await ctx.db.onboarding.update({ where: { id: onboarding.id }, data: { accessGrantedAt: onboarding.accessGrantedAt ?? new Date() } });
  await advanceOnboarding(ctx.db, customerTenantId, "VERIFY", ctx.user.userOid, recordedName(ctx.user), `key ${details.keyName} in ${details.vaultName}`);
  await audit(ctx, customerTenantId, "onboarding.grant_access", "SUCCESS", details);
}

/** After someone else ran the snippet: confirm it really is in place before moving on. */
export async function confirmAccessDoneElsewhere(ctx: Ctx): Promise<{ status: "granted" }> {
  if (await isManagedHsmOnboarding(ctx)) return confirmHsmAccess(ctx);
  const { tenant, vault, keyName, servicePrincipalObjectId } = await selectedKey(ctx);
  const state = await findKeyAccess(delegatedCredential(ctx.db, ctx.user), { vault, keyName, servicePrincipalObjectId }).catch((error: unknown) => {
    throw toAzureAppError(error, "check the key's access");
  });
  if (state.state === "wrong-scope") {
    throw new AppError("VALIDATION_FAILED", `The role is assigned, but at a scope that does not include this key (${state.scopes.join(", ")}).`, { fix: "Assign it at the key's scope with the command shown, or at the vault." });
  }
  if (state.state === "missing") {
    const lacking = state.missingPermissions && state.missingPermissions.length < 3 ? ` Its access policy lacks ${state.missingPermissions.join(", ")}.` : "";
    throw new AppError("VALIDATION_FAILED", `The provider's app does not have access to the key yet.${lacking}`, { fix: "Run the command shown (someone with the rights must), then check again." });
  }
  await markAccessGranted(ctx, tenant.id, { method: vault.rbacAuthorization ? "role-assignment" : "access-policy", confirmedBy: "check", vaultName: vault.name, keyName });
  return { status: "granted" };
}

// ─── Step 5: verify ───────────────────────────────────────────────────────

/**
 * The customer's choice after a firewall block: go on without the provider's probe. Offered only when the last
 * verification failed on the vault's firewall; recorded on the onboarding and audited.
 */
export async function skipProbeBlockedByFirewall(ctx: Ctx): Promise<{ state: "skipped"; notice: string }> {
  const { tenant, onboarding, keyUrl } = await selectedKey(ctx);
  if (onboarding.step !== "VERIFY") throw new AppError("CONFLICT", "The probe can be skipped only in the verify step.", { fix: "Go to the step the wizard shows as current." });
  // Compare-and-set: only while the recorded diagnosis is still the firewall.
  const changed = await ctx.db.onboarding.updateMany({
    where: { id: onboarding.id, step: "VERIFY", lastVerifyProblem: "VAULT_FIREWALL" },
    data: { probeSkippedAt: new Date(), verifiedAt: null },
  });
  if (changed.count !== 1) {
    throw new AppError("CONFLICT", "Skipping the probe is offered only when the vault's firewall blocks it.", { fix: "Verify again and follow the diagnosis it gives." });
  }
  await advanceOnboarding(ctx.db, tenant.id, "REVIEW", ctx.user.userOid, recordedName(ctx.user), "provider's probe skipped (vault firewall)");
  await audit(ctx, tenant.id, "onboarding.verify.skip_probe", "SUCCESS", { keyUrl, reason: "VAULT_FIREWALL", notVerified: "provider's read, wrap and unwrap of the key" }, { type: "key", id: keyUrl });
  return { state: "skipped", notice: PROBE_SKIPPED_NOTICE };
}

function accessSeen(state: Awaited<ReturnType<typeof findKeyAccess>>): AccessSeen {
  return state.state === "missing" ? { state: "missing", missingPermissions: state.missingPermissions ?? [] } : { state: state.state };
}

/** What the worker needs to verify a vault key, read now with the admin's own Azure access (which the worker lacks). */
async function vaultVerificationFacts(ctx: Ctx): Promise<VerificationFacts> {
  const { tenant, onboarding, vault, keyName, keyUrl, servicePrincipalObjectId } = await selectedKey(ctx);
  if (stepIndex(onboarding.step) < stepIndex("VERIFY")) throw new AppError("CONFLICT", "Grant access first.", { fix: "Go back to step 4." });
  const credential = delegatedCredential(ctx.db, ctx.user);
  // Access policies apply at once, so a missing permission is a diagnosis, not propagation: read it before the probe.
  const access = vault.rbacAuthorization
    ? await findKeyAccess(credential, { vault, keyName, servicePrincipalObjectId }).then(accessSeen, (): AccessSeen => ({ state: "unknown" }))
    : await findKeyAccess(credential, { vault, keyName, servicePrincipalObjectId }).then(accessSeen, (error: unknown) => {
        throw toAzureAppError(error, "read the vault's access policies");
      });
  return { tenant, onboarding, keyUrl, store: { kind: "vault", name: vault.name, accessPolicy: !vault.rbacAuthorization }, access };
}

export type VerificationFacts = { tenant: { id: string }; onboarding: { id: string; updatedAt: Date }; keyUrl: string; store: VerifyKeyPayload["store"]; access: AccessSeen };

/**
 * Starts the provider's verification of the chosen key as a job (lib/onboarding/verification.ts), or shows the one in
 * force; `restart` starts it again from the beginning ("Verify again"). The worker makes the attempts: closing the
 * page does not stop it.
 */
export async function startKeyVerification(ctx: Ctx, input: { restart?: boolean } = {}): Promise<VerificationView> {
  const { onboarding } = await onboardingAt(ctx, "ACCESS");
  if (stepIndex(onboarding.step) < stepIndex("VERIFY")) throw new AppError("CONFLICT", "Grant access first.", { fix: "Go back to step 4." });
  if (!input.restart) {
    const view = await verificationView(ctx.db, ctx.user.tenantId);
    if (view.state !== "none") return view;
  }
  const facts = (await isManagedHsmOnboarding(ctx)) ? await hsmVerificationFacts(ctx) : await vaultVerificationFacts(ctx);
  await enqueueKeyVerification(ctx.db, {
    customerTenantId: facts.tenant.id,
    onboarding: facts.onboarding,
    payload: { keyUrl: facts.keyUrl, store: facts.store, access: facts.access, actor: { oid: ctx.user.userOid, tenantId: ctx.user.tenantId, ...actorNames(ctx.user) }, requestId: ctx.requestId ?? null },
    restart: input.restart === true,
  });
  return verificationView(ctx.db, ctx.user.tenantId);
}

/** The chosen key as Azure reports it now (re-read at submission so nothing stale is provisioned). */
export async function readChosenKey(ctx: Ctx, vaultResourceId: string, keyName: string): Promise<KeySummary> {
  const vault = await readVault(ctx, vaultResourceId);
  try {
    return await getKey(delegatedCredential(ctx.db, ctx.user), vault, keyName);
  } catch (error) {
    throw toAzureAppError(error, `read the key ${keyName}`);
  }
}
