// What a customer (a person or its pipeline) can do through /api/v1: read its onboarding, submit a key URL, read the
// status. Always the caller's own tenant (from the token); the wizard's services do the work where they can.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { recordCustomerAudit } from "../audit/customer";
import { recordedName } from "../audit/actor-names";
import type { SessionUser } from "../auth/session-store";
import { probeCustomerKey } from "../azure/key-probe";
import { confirmConsent } from "../consent/service";
import { HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME } from "../azure/managed-hsm";
import { checkKey, normaliseRegion, parseVersionedKeyUrl } from "../onboarding/checks";
import { checkHsmKey } from "../onboarding/hsm-checks";
import { advanceOnboarding } from "../onboarding/progress";
import { customerOnboarding } from "../onboarding/queries";
import { DIAGNOSES } from "../onboarding/verification";
import { customerStatus } from "../onboarding/status";
import { STEP_ORDER, stepIndex } from "../onboarding/steps";
import { submitOnboarding } from "../onboarding/submit";
import { readKeyAsProvider, recoveryProblem } from "./key-facts";
import { desRegionFor, submittedKeyStore, type SubmittedPermissionModel } from "./submitted-key";

type Ctx = { db: Db; user: SessionUser; requestId?: string };

export async function readOnboarding(ctx: Ctx) {
  const { tenant, onboarding } = await customerOnboarding(ctx.db, ctx.user.tenantId);
  return {
    tenantId: tenant.tenantId,
    consentStatus: tenant.consentStatus,
    step: onboarding.step,
    keyUrl: onboarding.keyUrl,
    region: onboarding.region,
    verifiedAt: onboarding.verifiedAt?.toISOString() ?? null,
    submittedAt: onboarding.submittedAt?.toISOString() ?? null,
    lastVerifyProblem: onboarding.lastVerifyProblem,
  };
}

export type SubmitKeyInput = { keyUrl: string; vaultResourceId: string; region?: string; permissionModel?: SubmittedPermissionModel; rotationToLatest: boolean };

/**
 * The pipeline's whole onboarding in one call, after consent: the provider's app proves it can use the key (read,
 * wrap, unwrap, as the wizard's verify step does), the key's facts pass the wizard's checks, and provisioning of the
 * disk encryption set is queued. Nothing here uses the caller's own Azure access: the key is read across tenants.
 * The store's kind comes from the key URL's host and the region from the key's store itself where it says it
 * (submitted-key.ts); only a vault's permission model is the caller's word (docs/api.md says why).
 */
export async function submitKey(ctx: Ctx, input: SubmitKeyInput) {
  const parsed = parseVersionedKeyUrl(input.keyUrl);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `keyUrl is not usable: ${parsed.reason}`, { fix: "Send the key's versioned identifier (its “Key Identifier” in the Azure portal).", fields: { keyUrl: parsed.reason } });
  const store = submittedKeyStore(parsed.key, input);
  const storeWord = store.kind === "managedHsm" ? "Managed HSM" : "key vault";
  const regions = serverEnv().PROVIDER_DES_REGIONS;
  // A region that can never be right is refused before any call to Azure.
  if (input.region !== undefined && !regions.includes(normaliseRegion(input.region))) {
    throw new AppError("VALIDATION_FAILED", `The provider creates disk encryption sets only in ${regions.join(", ")}.`, { fix: "Send one of these regions: the one where your disks run.", fields: { region: "Not a provider region." } });
  }
  let { tenant } = await customerOnboarding(ctx.db, ctx.user.tenantId, ctx.user);
  // Consent may have been given outside the wizard (admin consent link, Terraform's service principal): ask Entra.
  if (tenant.consentStatus !== "GRANTED" || !tenant.servicePrincipalObjectId) {
    await confirmConsent(ctx.db, ctx.user);
    ({ tenant } = await customerOnboarding(ctx.db, ctx.user.tenantId));
  }
  const { onboarding } = await customerOnboarding(ctx.db, ctx.user.tenantId);
  if (onboarding.step === "SUBMITTED") throw new AppError("CONFLICT", "Onboarding was already submitted.", { fix: "Read GET /api/v1/status; ask the provider's support to rotate to another key." });

  const probe = await probeCustomerKey(ctx.user.tenantId, parsed.key.keyUrl);
  await ctx.db.onboarding.update({
    where: { id: onboarding.id },
    data: { verifyStartedAt: onboarding.verifyStartedAt ?? probe.checkedAt, verifyAttempts: { increment: 1 }, lastVerifyProblem: probe.ok ? null : probe.problem },
  });
  if (!probe.ok) {
    await audit(ctx, tenant.id, "api.onboarding.verify", "FAILURE", { keyUrl: parsed.key.keyUrl, problem: probe.problem, azureCode: probe.azureCode ?? null });
    const retryable = probe.problem === "ROLE_MISSING" || probe.problem === "THROTTLED" || probe.problem === "UNAVAILABLE";
    const fix = probe.problem === "ROLE_MISSING" && store.kind === "managedHsm" ? `Assign the provider's app the local role “${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}” at /keys/${parsed.key.keyName} in ${store.name}.` : DIAGNOSES[probe.problem].fix;
    throw new AppError("CONFLICT", DIAGNOSES[probe.problem].title, {
      fix: retryable ? `${fix} Role assignments can take a few minutes to apply: retry this request then.` : fix,
      azureCode: probe.azureCode,
    });
  }
  const facts = await readKeyAsProvider(ctx.user.tenantId, parsed.key.keyUrl);
  const failing = (store.kind === "managedHsm" ? checkHsmKey(facts) : checkKey(facts)).filter((c) => c.status === "fail");
  if (failing.length > 0) throw new AppError("VALIDATION_FAILED", `This key cannot be used: ${failing.map((c) => c.reason).join(" ")}`, { fix: failing[0]?.fix });
  const unrecoverable = recoveryProblem(facts);
  if (unrecoverable) throw unrecoverable;
  const { region, source: regionSource } = desRegionFor({ storeRegion: facts.region, requested: input.region, regions, store: storeWord });

  await ctx.db.onboarding.update({
    where: { id: onboarding.id },
    data: {
      subscriptionId: store.subscriptionId,
      vaultResourceId: store.resourceId,
      permissionModel: store.permissionModel,
      region,
      keyName: parsed.key.keyName,
      keyUrl: parsed.key.keyUrl,
      accessGrantedAt: onboarding.accessGrantedAt ?? probe.checkedAt,
      verifiedAt: probe.checkedAt,
      probeSkippedAt: null,
    },
  });
  // One step at a time, as the state machine requires; each was proven by the probe above.
  const subjects: Partial<Record<(typeof STEP_ORDER)[number], string>> = { KEY: store.name, ACCESS: parsed.key.keyName, VERIFY: `key ${parsed.key.keyName} in ${store.name}` };
  for (const step of STEP_ORDER.slice(stepIndex(onboarding.step) + 1, stepIndex("REVIEW") + 1)) {
    await advanceOnboarding(ctx.db, tenant.id, step, ctx.user.userOid, recordedName(ctx.user), subjects[step]);
  }
  await audit(ctx, tenant.id, "api.onboarding.verify", "SUCCESS", { keyUrl: parsed.key.keyUrl, permissionModel: store.permissionModel, region, regionSource }, { type: "key", id: parsed.key.keyUrl });
  const queued = await submitOnboarding(ctx, { rotationToLatest: input.rotationToLatest }, (keyUrl) => readKeyAsProvider(ctx.user.tenantId, keyUrl));
  return { state: "SUBMITTED" as const, keyUrl: parsed.key.keyUrl, region, jobId: queued.jobId, diskEncryptionSetId: queued.diskEncryptionSetId };
}

/** The API's events name the caller's own roles (a pipeline is Customer.Automation, not an administrator). */
async function audit(ctx: Ctx, customerTenantId: string, action: string, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>, target?: { type: string; id: string }) {
  await recordCustomerAudit(ctx, { customerTenantId, action, result, details, target, actorRole: ctx.user.roles.join(",") || null });
}

export async function readStatus(ctx: Ctx) {
  const status = await customerStatus(ctx.db, ctx.user.tenantId);
  if (!status) throw new AppError("NOT_FOUND", "Your organization has not started onboarding yet.", { fix: "Submit a key with POST /api/v1/onboarding/key, or start in the portal's wizard." });
  const { tenant } = status;
  return {
    tenantId: tenant.tenantId,
    healthState: tenant.healthState,
    healthCause: tenant.healthCause,
    lastHealthCheckAt: tenant.lastHealthCheckAt?.toISOString() ?? null,
    diskEncryptionSets: tenant.diskEncryptionSets.map((des) => ({
      id: des.id,
      name: des.name,
      region: des.region,
      provisioningState: des.provisioningState,
      healthState: des.healthState,
      keyUrl: des.keyReference.keyUrl,
      rotationToLatest: des.rotationToLatest,
      // Customer-safe text only (lib/onboarding/status.ts); the provider's resource ids stay with the provider.
      lastErrorMessage: des.lastErrorMessage,
    })),
  };
}
