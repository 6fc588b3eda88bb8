// The wizard's Managed HSM path: the customer's key lives in a Managed HSM pool instead of a vault. Same steps and
// same records as the vault path (Onboarding.vaultResourceId names the pool, permissionModel MANAGED_HSM); access is
// the pool's local RBAC: "Managed HSM Crypto Service Encryption User" on `/keys/{name}` for the CMK app.
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { delegatedCredential } from "../azure/credentials";
import { azureFailure, toAzureAppError } from "../azure/errors";
import {
  countHsmKeyVersions, createHsmKey, findHsmKeyAccess, getHsmKey, getManagedHsm, grantHsmKeyAccess, hsmKeyScope, listHsmKeys, listManagedHsms, parseHsmResourceId,
  HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID, HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME, HSM_CRYPTO_USER_ROLE_NAME, type HsmSummary,
} from "../azure/managed-hsm";
import type { KeySummary } from "../azure/key-facts";
import { recordedName } from "../audit/actor-names";
import { normaliseRegion, parseVersionedKeyUrl, worst, type CheckItem } from "./checks";
import { GIT_BASH_NOTE, type AccessSnippets } from "./access";
import { recordPortalGrant } from "./grants";
import { checkHsm, checkHsmKey } from "./hsm-checks";
import { advanceOnboarding, reopenOnboardingAt } from "./progress";
import { customerOnboarding } from "./queries";
import { stepIndex } from "./steps";
import { audit, onboardingAt, requireConsent, type AccessOutcome, type Ctx, type VerificationFacts } from "./service";
import { VERIFICATION_RESET } from "./verification";

export type HsmCandidate = HsmSummary & { checks: CheckItem[]; readiness: "pass" | "warn" | "fail" };
export type HsmKeyCandidate = KeySummary & { checks: CheckItem[]; readiness: "pass" | "warn" | "fail"; versionCount: number };

/** Whether the onboarding's chosen key store is a Managed HSM pool (the vault path's functions hand over to this module). */
export async function isManagedHsmOnboarding(ctx: Ctx): Promise<boolean> {
  const { onboarding } = await customerOnboarding(ctx.db, ctx.user.tenantId);
  return onboarding.permissionModel === "MANAGED_HSM";
}

export async function hsmPoolsFor(ctx: Ctx, subscriptionId: string): Promise<HsmCandidate[]> {
  let pools: HsmSummary[];
  try {
    pools = await listManagedHsms(delegatedCredential(ctx.db, ctx.user), subscriptionId);
  } catch (error) {
    throw toAzureAppError(error, "list the Managed HSM pools of this subscription", { AuthorizationFailed: "You need at least Reader on the subscription (or on the pools) to list them." });
  }
  const regions = serverEnv().PROVIDER_DES_REGIONS;
  return pools.map((pool) => {
    const checks = checkHsm(pool, regions);
    return { ...pool, checks, readiness: worst(checks) };
  });
}

async function readHsm(ctx: Ctx, hsmResourceId: string): Promise<HsmSummary> {
  const ref = parseHsmResourceId(hsmResourceId);
  if (!ref) throw new AppError("VALIDATION_FAILED", "That is not a Managed HSM resource id.", { fix: "Pick a Managed HSM pool from the list." });
  let hsm: HsmSummary;
  try {
    hsm = await getManagedHsm(delegatedCredential(ctx.db, ctx.user), ref);
  } catch (error) {
    throw toAzureAppError(error, "read this Managed HSM");
  }
  if (hsm.tenantId?.toLowerCase() !== ctx.user.tenantId.toLowerCase()) {
    throw new AppError("FORBIDDEN", "This Managed HSM belongs to another organization's tenant.", { fix: "Pick a Managed HSM pool of your own organization." });
  }
  return hsm;
}

export async function selectHsm(ctx: Ctx, input: { hsmResourceId: string }): Promise<{ hsm: HsmCandidate }> {
  const { tenant, onboarding } = await onboardingAt(ctx, "KEY_VAULT");
  requireConsent(tenant);
  const hsm = await readHsm(ctx, input.hsmResourceId);
  const checks = checkHsm(hsm, serverEnv().PROVIDER_DES_REGIONS);
  const failing = checks.filter((c) => c.status === "fail");
  if (failing.length > 0) {
    await audit(ctx, tenant.id, "onboarding.select_hsm", "FAILURE", { hsm: hsm.hsmResourceId, failing: failing.map((c) => c.id) }, { type: "managedHsm", id: hsm.hsmResourceId });
    throw new AppError("VALIDATION_FAILED", `This Managed HSM cannot be used: ${failing.map((c) => c.title.toLowerCase()).join(", ")}.`, { fix: failing[0]?.fix });
  }
  const changed = onboarding.vaultResourceId !== hsm.hsmResourceId;
  if (changed && stepIndex(onboarding.step) > stepIndex("KEY")) await reopenOnboardingAt(ctx.db, tenant.id, "KEY", ctx.user.userOid, recordedName(ctx.user));
  if (changed) {
    await ctx.db.onboarding.update({
      where: { id: onboarding.id },
      data: { subscriptionId: hsm.subscriptionId, vaultResourceId: hsm.hsmResourceId, permissionModel: "MANAGED_HSM", region: normaliseRegion(hsm.location), keyName: null, keyUrl: null, ...VERIFICATION_RESET },
    });
  }
  await advanceOnboarding(ctx.db, tenant.id, "KEY", ctx.user.userOid, recordedName(ctx.user), hsm.name);
  await audit(ctx, tenant.id, "onboarding.select_hsm", "SUCCESS", { hsm: hsm.hsmResourceId, hsmName: hsm.name }, { type: "managedHsm", id: hsm.hsmResourceId });
  return { hsm: { ...hsm, checks, readiness: worst(checks) } };
}

/** Local RBAC refuses key reads without a data role; Owner on the subscription is not one. */
function hsmKeyAccessError(error: unknown, hsm: HsmSummary, what: string): AppError {
  if (azureFailure(error).status === 403) {
    return new AppError("FORBIDDEN", `Your account cannot read or create keys in ${hsm.name}: Managed HSM keys are guarded by the pool's local RBAC, and Azure roles such as Owner do not count there.`, {
      fix: `Ask a Managed HSM Administrator of ${hsm.name} to give you “${HSM_CRYPTO_USER_ROLE_NAME}” (az keyvault role assignment create --hsm-name ${hsm.name} --role "${HSM_CRYPTO_USER_ROLE_NAME}" --scope /keys --assignee YOUR-ACCOUNT), then reload.`,
      azureCode: azureFailure(error).code,
    });
  }
  return toAzureAppError(error, what);
}

async function selectedHsm(ctx: Ctx, minimumStep: Parameters<typeof stepIndex>[0]) {
  const found = await onboardingAt(ctx, minimumStep);
  if (!found.onboarding.vaultResourceId || found.onboarding.permissionModel !== "MANAGED_HSM") throw new AppError("CONFLICT", "Choose a Managed HSM pool first.", { fix: "Go back to the key store step." });
  return { ...found, hsm: await readHsm(ctx, found.onboarding.vaultResourceId) };
}

export async function keysOfSelectedHsm(ctx: Ctx): Promise<{ hsm: HsmSummary; keys: HsmKeyCandidate[] }> {
  const { hsm } = await selectedHsm(ctx, "KEY");
  const credential = delegatedCredential(ctx.db, ctx.user);
  try {
    const now = new Date();
    const keys = await Promise.all((await listHsmKeys(credential, hsm.hsmUri)).map(async (key) => {
      const checks = checkHsmKey(key, now);
      return { ...key, checks, readiness: worst(checks), versionCount: await countHsmKeyVersions(credential, hsm.hsmUri, key.name) };
    }));
    return { hsm, keys };
  } catch (error) {
    throw hsmKeyAccessError(error, hsm, "list the keys of this Managed HSM");
  }
}

export async function selectHsmKey(ctx: Ctx, input: { keyName: string }): Promise<{ keyUrl: string }> {
  const { tenant, onboarding, hsm } = await selectedHsm(ctx, "KEY");
  let key: KeySummary;
  try {
    key = await getHsmKey(delegatedCredential(ctx.db, ctx.user), hsm.hsmUri, input.keyName);
  } catch (error) {
    throw hsmKeyAccessError(error, hsm, `read the key ${input.keyName}`);
  }
  const failing = checkHsmKey(key).filter((c) => c.status === "fail");
  if (failing.length > 0) {
    await audit(ctx, tenant.id, "onboarding.select_key", "FAILURE", { key: key.keyUri, failing: failing.map((c) => c.id) });
    throw new AppError("VALIDATION_FAILED", `This key cannot be used: ${failing.map((c) => c.reason).join(" ")}`, { fix: failing[0]?.fix });
  }
  // The same host rule as vault keys: the URL is later handed to the provider's probe and to Azure.
  const parsed = parseVersionedKeyUrl(key.keyUriWithVersion);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `This key cannot be used: ${parsed.reason}`, { fix: "Pick a key in a Managed HSM of the provider's Azure cloud." });
  const keyUrl = parsed.key.keyUrl;
  if (onboarding.keyUrl !== keyUrl && stepIndex(onboarding.step) > stepIndex("ACCESS")) await reopenOnboardingAt(ctx.db, tenant.id, "ACCESS", ctx.user.userOid, recordedName(ctx.user));
  if (onboarding.keyUrl !== keyUrl) {
    await ctx.db.onboarding.update({ where: { id: onboarding.id }, data: { keyName: key.name, keyUrl, ...VERIFICATION_RESET } });
  }
  await advanceOnboarding(ctx.db, tenant.id, "ACCESS", ctx.user.userOid, recordedName(ctx.user), key.name);
  await audit(ctx, tenant.id, "onboarding.select_key", "SUCCESS", { keyUrl, keyStore: "managedHsm" }, { type: "key", id: keyUrl });
  return { keyUrl };
}

export async function createHsmKeyForOnboarding(ctx: Ctx, input: { name: string; keySize: 2048 | 3072 | 4096 }) {
  const { tenant, hsm } = await selectedHsm(ctx, "KEY");
  try {
    await createHsmKey(delegatedCredential(ctx.db, ctx.user), hsm.hsmUri, input);
  } catch (error) {
    await audit(ctx, tenant.id, "onboarding.create_key", "FAILURE", { name: input.name, keyStore: "managedHsm", azureCode: azureFailure(error).code ?? null });
    throw hsmKeyAccessError(error, hsm, `create the key ${input.name}`);
  }
  await audit(ctx, tenant.id, "onboarding.create_key", "SUCCESS", { name: input.name, keyType: "RSA-HSM", keySize: input.keySize, keyStore: "managedHsm" });
  return selectHsmKey(ctx, { keyName: input.name });
}

/** Ready-to-paste commands for someone who holds role management on the pool (Administrator, Crypto Officer or Policy Administrator). */
export function hsmAccessSnippets(input: { hsmName: string; keyName: string; servicePrincipalObjectId: string }): AccessSnippets {
  const scope = hsmKeyScope(input.keyName);
  return {
    cli: [
      "MSYS_NO_PATHCONV=1 az keyvault role assignment create \\",
      `  --hsm-name ${input.hsmName} \\`,
      `  --role "${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}" \\`,
      `  --scope ${scope} \\`,
      `  --assignee-object-id ${input.servicePrincipalObjectId} \\`,
      "  --assignee-principal-type ServicePrincipal",
    ].join("\n"),
    cliNote: GIT_BASH_NOTE.replace("/subscriptions/…", "/keys/…"),
    powershell: [
      "New-AzKeyVaultRoleAssignment `",
      `  -HsmName "${input.hsmName}" \``,
      `  -RoleDefinitionName "${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}" \``,
      `  -ObjectId "${input.servicePrincipalObjectId}" \``,
      `  -Scope "${scope}"`,
    ].join("\n"),
  };
}

async function selectedHsmKey(ctx: Ctx) {
  const found = await selectedHsm(ctx, "ACCESS");
  const { onboarding, tenant } = found;
  if (!onboarding.keyName || !onboarding.keyUrl) throw new AppError("CONFLICT", "Choose a key first.", { fix: "Go back to the key step." });
  return { ...found, keyName: onboarding.keyName, keyUrl: onboarding.keyUrl, servicePrincipalObjectId: requireConsent(tenant) };
}

async function markHsmAccessGranted(ctx: Ctx, customerTenantId: string, details: Record<string, unknown> & { hsmName: string; keyName: string }) {
  const onboarding = await ctx.db.onboarding.findUniqueOrThrow({ where: { customerTenantId } });
  await ctx.db.onboarding.update({ where: { id: onboarding.id }, data: { accessGrantedAt: onboarding.accessGrantedAt ?? new Date() } });
  await advanceOnboarding(ctx.db, customerTenantId, "VERIFY", ctx.user.userOid, recordedName(ctx.user), `key ${details.keyName} in ${details.hsmName}`);
  await audit(ctx, customerTenantId, "onboarding.grant_access", "SUCCESS", details);
}

export async function grantHsmAccess(ctx: Ctx): Promise<AccessOutcome> {
  const { tenant, hsm, keyName, servicePrincipalObjectId } = await selectedHsmKey(ctx);
  try {
    const result = await grantHsmKeyAccess(delegatedCredential(ctx.db, ctx.user), { hsmUri: hsm.hsmUri, keyName, servicePrincipalObjectId });
    if (result === "created") {
      await recordPortalGrant(ctx, tenant.id, { kind: "HSM_ROLE_ASSIGNMENT", purpose: "PROVIDER_KEY_ACCESS", vaultResourceId: hsm.hsmResourceId, hsmUri: hsm.hsmUri, keyName, principalId: servicePrincipalObjectId, roleId: HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID });
    }
    await markHsmAccessGranted(ctx, tenant.id, { method: "hsm-local-rbac", result, hsmName: hsm.name, keyName, scope: hsmKeyScope(keyName) });
    return { status: "granted", method: "role-assignment", existed: result === "existed" };
  } catch (error) {
    const failure = azureFailure(error);
    await audit(ctx, tenant.id, "onboarding.grant_access", "FAILURE", { method: "hsm-local-rbac", azureCode: failure.code ?? null, status: failure.status ?? null });
    if (failure.status === 403) {
      return {
        status: "needs-admin",
        reason: `Your account cannot assign roles in ${hsm.name}'s local RBAC (that needs Managed HSM Administrator, Crypto Officer or Policy Administrator on the pool; Azure roles such as Owner do not count).`,
        snippets: hsmAccessSnippets({ hsmName: hsm.name, keyName, servicePrincipalObjectId }),
      };
    }
    throw toAzureAppError(error, "grant the provider access to the key");
  }
}

export async function confirmHsmAccess(ctx: Ctx): Promise<{ status: "granted" }> {
  const { tenant, hsm, keyName, servicePrincipalObjectId } = await selectedHsmKey(ctx);
  const state = await findHsmKeyAccess(delegatedCredential(ctx.db, ctx.user), { hsmUri: hsm.hsmUri, keyName, servicePrincipalObjectId }).catch((error: unknown) => {
    throw toAzureAppError(error, "check the key's access");
  });
  if (state.state === "wrong-scope") {
    throw new AppError("VALIDATION_FAILED", `The role is assigned, but at a scope that does not include this key (${state.scopes.join(", ")}).`, { fix: `Assign it at ${hsmKeyScope(keyName)} with the command shown.` });
  }
  if (state.state === "missing") throw new AppError("VALIDATION_FAILED", "The provider's app does not have access to the key yet.", { fix: "Run the command shown (someone with role management on the pool must), then check again." });
  await markHsmAccessGranted(ctx, tenant.id, { method: "hsm-local-rbac", confirmedBy: "check", hsmName: hsm.name, keyName });
  return { status: "granted" };
}

/** What the worker needs to verify an HSM key, read now with the admin's own access to the pool's local RBAC. */
export async function hsmVerificationFacts(ctx: Ctx): Promise<VerificationFacts> {
  const { tenant, onboarding, keyName, keyUrl, hsm, servicePrincipalObjectId } = await selectedHsmKey(ctx);
  if (stepIndex(onboarding.step) < stepIndex("VERIFY")) throw new AppError("CONFLICT", "Grant access first.", { fix: "Go back to step 4." });
  const access = await findHsmKeyAccess(delegatedCredential(ctx.db, ctx.user), { hsmUri: hsm.hsmUri, keyName, servicePrincipalObjectId }).then(
    (state): VerificationFacts["access"] => ({ state: state.state }),
    (): VerificationFacts["access"] => ({ state: "unknown" }),
  );
  return { tenant, onboarding, keyUrl, store: { kind: "managedHsm", name: hsm.name }, access };
}

/** The chosen HSM key as Azure reports it now (re-read at submission). */
export async function readChosenHsmKey(ctx: Ctx, hsmResourceId: string, keyName: string): Promise<KeySummary> {
  const hsm = await readHsm(ctx, hsmResourceId);
  try {
    return await getHsmKey(delegatedCredential(ctx.db, ctx.user), hsm.hsmUri, keyName);
  } catch (error) {
    throw hsmKeyAccessError(error, hsm, `read the key ${keyName}`);
  }
}
