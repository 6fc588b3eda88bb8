// Key rotation of a customer's disk encryption sets: what the vault holds, what each DES uses, and the
// switch to another version — validated like the wizard's key step and proven with a wrap/unwrap probe.
import type { Db } from "../db/client";
import type { Job } from "../db/generated/prisma/client";
import { AppError, toPublicError, type PublicError } from "../errors";
import { azureFailure, vaultInOtherTenant } from "../azure/errors";
import { probeCustomerKey, type KeyProbeProblem } from "../azure/key-probe";
import { checkKey, parseVersionedKeyUrl, type CheckItem, type ParsedKeyUrl } from "../onboarding/checks";
import { RetryableFailure, TRANSIENT_PROBE_PROBLEMS } from "../provisioning/azure-errors";
import { listKeyVersions, readDes, readKeyFacts, updateDes, type DesState, type KeyVersionInfo } from "./azure";
import { auditAction, auditSystem, customerTenantById, type SupportCtx } from "./context";
import { enqueueSupportJob, openJob } from "./jobs";

export const PROBE_PROBLEM_TEXT: Record<KeyProbeProblem, { reason: string; fix: string }> = {
  ROLE_MISSING: { reason: "The provider's app has no permission on this key (the role or access policy is missing).", fix: "Ask the customer to assign “Key Vault Crypto Service Encryption User” on the key (or an access policy with get, wrap key, unwrap key) to the provider's app." },
  KEY_DISABLED: { reason: "The key version is disabled.", fix: "The customer must enable the key version in their vault." },
  KEY_NOT_FOUND: { reason: "The key or key version does not exist.", fix: "Check the key URL with the customer (copy the “Key Identifier” of the version)." },
  KEY_EXPIRED: { reason: "The key version has expired.", fix: "The customer must create a new version or extend the expiry date." },
  VAULT_FIREWALL: { reason: "The vault's firewall blocks the provider.", fix: "The customer must allow trusted Microsoft services (and the provider's egress) through the vault firewall." },
  CONSENT_REMOVED: { reason: "The provider's app is no longer installed (admin consent removed) in the customer's tenant.", fix: "The customer must grant admin consent again from the onboarding page." },
  FEDERATION_BROKEN: { reason: "The federated credential between the provider's identity and the app does not work.", fix: "Check the provider readiness page (federated identity credential of the CMK app)." },
  THROTTLED: { reason: "Azure is throttling requests.", fix: "Wait a minute and try again." },
  UNAVAILABLE: { reason: "Key Vault did not answer.", fix: "Try again in a few minutes." },
};

export type RotationPhase = "idle" | "queued" | "running" | "re-encrypting" | "completed" | "failed";

export type RotationStatus = {
  phase: RotationPhase;
  jobId?: string;
  fromKeyUrl?: string;
  toKeyUrl?: string;
  error?: { code: string | null; message: string | null };
  finishedAt?: Date;
};

export type DesOverview = {
  id: string;
  name: string;
  region: string;
  armId: string | null;
  recordedKeyUrl: string;
  keyName: string;
  vaultUri: string;
  live?: DesState;
  liveError?: PublicError;
  versions?: KeyVersionInfo[];
  versionsError?: PublicError;
  /** The provider's app may not list the key's versions (access policy without List): switch by key URL instead. */
  versionsListForbidden?: boolean;
  activeVersion?: string;
  newestVersion?: KeyVersionInfo;
  rotation: RotationStatus;
};

type RotatePayload = { diskEncryptionSetId: string; operation: "switch-key"; targetKeyUrl: string; fromKeyUrl: string | null; requestId?: string; requestedByName?: string } | { diskEncryptionSetId: string; operation: "auto-rotation"; enabled: boolean; requestId?: string; requestedByName?: string };

function rotationStatus(job: Job | null, live: DesState | undefined): RotationStatus {
  if (!job) return { phase: "idle" };
  const payload = job.payload as RotatePayload;
  const base = { jobId: job.id, fromKeyUrl: payload.operation === "switch-key" ? (payload.fromKeyUrl ?? undefined) : undefined, toKeyUrl: payload.operation === "switch-key" ? payload.targetKeyUrl : undefined };
  if (job.status === "QUEUED") return { ...base, phase: "queued" };
  if (job.status === "RUNNING") return { ...base, phase: "running" };
  if (job.status === "FAILED" || job.status === "CANCELLED") return { ...base, phase: "failed", error: { code: job.lastErrorCode, message: job.lastErrorMessage }, finishedAt: job.finishedAt ?? undefined };
  // Succeeded: Azure re-wraps the disks' keys in the background; the old version is in use until previousKeys is empty.
  if (live && (live.previousKeys.length > 0 || live.provisioningState === "Updating")) return { ...base, phase: "re-encrypting" };
  return { ...base, phase: "completed", finishedAt: job.finishedAt ?? undefined };
}

/** Everything the support page shows about one customer's keys, read live from Azure (errors shown, not thrown). */
export async function keyOverview(db: Db, customerTenantId: string): Promise<DesOverview[]> {
  const sets = await db.diskEncryptionSet.findMany({ where: { customerTenantId }, include: { keyReference: true }, orderBy: { region: "asc" } });
  const tenant = await customerTenantById(db, customerTenantId);
  return Promise.all(
    sets.map(async (des) => {
      const overview: DesOverview = {
        id: des.id,
        name: des.name,
        region: des.region,
        armId: des.armId,
        recordedKeyUrl: des.keyReference.keyUrl,
        keyName: des.keyReference.keyName,
        vaultUri: des.keyReference.vaultUri,
        rotation: { phase: "idle" },
      };
      if (des.armId) {
        try {
          overview.live = await readDes(des.armId);
        } catch (error) {
          overview.liveError = toPublicError(readFailure(error, "read the disk encryption set"));
        }
      }
      const current = parseVersionedKeyUrl(overview.live?.keyUrl ?? des.keyReference.keyUrl);
      const keyRef = current.ok ? current.key : { vaultUri: des.keyReference.vaultUri, keyName: des.keyReference.keyName, version: des.keyReference.keyVersion, keyUrl: des.keyReference.keyUrl };
      overview.keyName = keyRef.keyName;
      overview.vaultUri = keyRef.vaultUri;
      overview.activeVersion = keyRef.version;
      try {
        overview.versions = await listKeyVersions(tenant.tenantId, keyRef.vaultUri, keyRef.keyName);
        overview.newestVersion = newestUsable(overview.versions);
      } catch (error) {
        const failure = versionsFailure(error, des.keyReference.permissionModel, "staff");
        overview.versionsError = toPublicError(failure);
        overview.versionsListForbidden = failure.code === "FORBIDDEN";
      }
      const job = await db.job.findFirst({ where: { customerTenantId, kind: "ROTATE_KEY", payload: { path: ["diskEncryptionSetId"], equals: des.id } }, orderBy: { createdAt: "desc" } });
      overview.rotation = rotationStatus(job, overview.live);
      return overview;
    }),
  );
}

function readFailure(error: unknown, what: string): AppError {
  const failure = azureFailure(error);
  return new AppError("AZURE_ERROR", `Azure could not ${what}.`, { azureCode: failure.code ?? (failure.status ? `HTTP ${failure.status}` : undefined), fix: failure.status === 403 || failure.status === 401 ? "The provider's app may have lost access to the customer's vault; check the key with a probe." : "Try again in a minute.", cause: error });
}

/**
 * Listing versions needs the List key permission, which onboarding does not ask for on access-policy vaults
 * (get, wrap key and unwrap key are all a disk encryption set needs): say so, and point to the key-URL switch.
 */
function versionsFailure(error: unknown, permissionModel: string, audience: "staff" | "customer"): AppError {
  const failure = azureFailure(error);
  const firewall = /Firewall/i.test(`${failure.code ?? ""} ${failure.message}`);
  if (failure.status !== 403 || firewall || permissionModel !== "ACCESS_POLICY") return readFailure(error, "read the key versions in the customer's vault");
  return new AppError("FORBIDDEN", "The provider's app may not list this key's versions: the vault uses access policies, and the app's policy has get, wrap key and unwrap key but not List.", {
    azureCode: failure.code ?? "Forbidden",
    fix: audience === "staff"
      ? "Ask the customer for the new version's Key Identifier and switch to it with “Validate and switch to this key”. Optionally the customer adds “List” to the app's key permissions, so that the newest version is found automatically."
      : "Add “List” to the key permissions of the provider's app in your vault's Access policies (optional; it lets the portal find new versions), or send the new version's Key Identifier to your provider's support.",
    cause: error,
  });
}

/** The newest version that can be used now (enabled, active, not expired). */
export function newestUsable(versions: KeyVersionInfo[], now = new Date()): KeyVersionInfo | undefined {
  return versions.filter((v) => v.enabled && (!v.expiresOn || v.expiresOn > now) && (!v.notBefore || v.notBefore <= now)).at(-1);
}

export type KeyValidation = { ok: boolean; key?: ParsedKeyUrl; checks: CheckItem[] };

/**
 * The wizard's key rules (versioned URL, RSA/RSA-HSM, size, wrap/unwrap, enabled, expiry) plus purge protection,
 * read through the federated token, then the wrap/unwrap probe that proves the provider can use the key.
 */
export async function validateKeyForSwitch(customerTenantId: string, keyUrl: string): Promise<KeyValidation> {
  const parsed = parseVersionedKeyUrl(keyUrl);
  if (!parsed.ok) return { ok: false, checks: [{ id: "url", status: "fail", title: "Key URL", reason: parsed.reason, fix: "Copy the “Key Identifier” of the key version from the vault." }] };
  const checks: CheckItem[] = [{ id: "url", status: "pass", title: "Key URL", reason: "A versioned key URL." }];
  try {
    const facts = await readKeyFacts(customerTenantId, parsed.key);
    checks.push(...checkKey(facts));
    const purgeProtected = facts.recoveryLevel !== undefined && !/purgeable/i.test(facts.recoveryLevel);
    checks.push(
      purgeProtected
        ? { id: "purge-protection", status: "pass", title: "Purge protection", reason: "On: the key cannot be permanently deleted during the retention period." }
        : { id: "purge-protection", status: "fail", title: "Purge protection", reason: "The vault has no purge protection. Azure refuses disk encryption sets with keys from such vaults.", fix: "The customer must turn on purge protection (cannot be undone), or use a key from another vault." },
    );
  } catch (error) {
    const otherTenant = vaultInOtherTenant(error);
    const problem = otherTenant ? otherTenantText(otherTenant, customerTenantId) : PROBE_PROBLEM_TEXT[classifyReadProblem(error)];
    checks.push({ id: "read", status: "fail", title: "Read the key", reason: problem.reason, fix: problem.fix });
    return { ok: false, key: parsed.key, checks };
  }
  if (checks.some((c) => c.status === "fail")) return { ok: false, key: parsed.key, checks };
  const probe = await probeCustomerKey(customerTenantId, parsed.key.keyUrl);
  if (!probe.ok) {
    const problem = PROBE_PROBLEM_TEXT[probe.problem];
    checks.push({ id: "probe", status: "fail", title: "Wrap/unwrap probe", reason: `${problem.reason}${probe.azureCode ? ` (${probe.azureCode})` : ""}`, fix: problem.fix });
    return { ok: false, key: parsed.key, checks };
  }
  checks.push({ id: "probe", status: "pass", title: "Wrap/unwrap probe", reason: "Key Vault wrapped and unwrapped a test value with this key version for the provider's app." });
  return { ok: true, key: parsed.key, checks };
}

/** A key URL whose vault lives in another Entra tenant: the provider's app has no identity there, so no token. */
export function otherTenantText(vaultTenantId: string, customerTenantId: string): { reason: string; fix: string } {
  return {
    reason: `This key's vault belongs to another Microsoft Entra tenant (${vaultTenantId}), not to this customer's tenant (${customerTenantId}). The provider's app exists only in the customer's tenant, so it cannot get a token for that vault.`,
    fix: "Ask the customer for the “Key Identifier” of a key version in a vault of their own tenant (the tenant that granted consent). To use a vault in another tenant, that tenant must first onboard as its own customer.",
  };
}

function classifyReadProblem(error: unknown): KeyProbeProblem {
  const { status, code } = azureFailure(error);
  if (status === 404) return "KEY_NOT_FOUND";
  if (status === 401 || status === 403) return code && /Firewall/i.test(code) ? "VAULT_FIREWALL" : "ROLE_MISSING";
  if (status === 429) return "THROTTLED";
  return /AADSTS(700016|7000229)\b/.test(String((error as Error).message)) ? "CONSENT_REMOVED" : "UNAVAILABLE";
}

async function desOfTenant(db: Db, customerTenantId: string, diskEncryptionSetId: string) {
  const des = await db.diskEncryptionSet.findFirst({ where: { id: diskEncryptionSetId, customerTenantId }, include: { keyReference: true } });
  if (!des) throw new AppError("NOT_FOUND", "This disk encryption set does not belong to the customer.", { fix: "Reload the page and pick it again." });
  if (!des.armId || des.provisioningState === "QUEUED" || des.provisioningState === "CREATING") {
    throw new AppError("CONFLICT", "The disk encryption set is still being created.", { fix: "Wait until provisioning has finished." });
  }
  return des;
}

/**
 * None while the tenant is being revoked or restored. One rotation at a time per DES is not checked here: the
 * database refuses a second open rotation job when it is inserted (see enqueueSupportJob).
 */
async function refuseWhileBusy(db: Db, customerTenantId: string) {
  if (await openJob(db, customerTenantId, ["REVOKE", "RESTORE"])) throw new AppError("CONFLICT", "A revoke or restore for this customer is still running.", { fix: "Wait until it has finished (the page shows its progress)." });
}

export type RotationRequestResult = { accepted: true; jobId: string; targetKeyUrl: string; checks: CheckItem[] } | { accepted: false; checks: CheckItem[] };

/** Move a DES to the newest usable version of its key, or to a key URL the customer supplied. */
export async function requestKeySwitch(ctx: SupportCtx, input: { customerTenantId: string; diskEncryptionSetId: string; keyUrl?: string }, action = "support.rotate.request"): Promise<RotationRequestResult> {
  const tenant = await customerTenantById(ctx.db, input.customerTenantId);
  const des = await desOfTenant(ctx.db, tenant.id, input.diskEncryptionSetId);
  await refuseWhileBusy(ctx.db, tenant.id);
  const live = await readDes(des.armId!).catch((error: unknown) => {
    throw readFailure(error, "read the disk encryption set");
  });
  const fromKeyUrl = live.keyUrl ?? des.keyReference.keyUrl;
  let targetKeyUrl = input.keyUrl?.trim();
  const mode = targetKeyUrl ? "key-url" : "newest-version";
  if (!targetKeyUrl) {
    const current = parseVersionedKeyUrl(fromKeyUrl);
    if (!current.ok) throw new AppError("CONFLICT", "The disk encryption set's key URL is not versioned.", { fix: "Supply a versioned key URL instead." });
    const versions = await listKeyVersions(tenant.tenantId, current.key.vaultUri, current.key.keyName).catch((error: unknown) => {
      throw versionsFailure(error, des.keyReference.permissionModel, action.startsWith("customer.") ? "customer" : "staff");
    });
    const newest = newestUsable(versions);
    if (!newest) throw new AppError("CONFLICT", "The key has no enabled, unexpired version.", { fix: "The customer must create or enable a key version first." });
    if (newest.version === current.key.version) throw new AppError("CONFLICT", "The disk encryption set already uses the newest key version.", { fix: "Nothing to do; create a new version in the vault first if a rotation is needed." });
    targetKeyUrl = newest.keyUrl;
  }
  const validation = await validateKeyForSwitch(tenant.tenantId, targetKeyUrl);
  const failing = validation.checks.filter((c) => c.status === "fail").map((c) => c.id);
  if (!validation.ok || !validation.key) {
    // Only a parsed URL is recorded: a refused one may carry credentials (user:password@) or point anywhere.
    await auditAction(ctx, tenant.id, action, "FAILURE", { targetType: "diskEncryptionSet", targetId: des.armId!, details: { mode, keyUrl: validation.key?.keyUrl ?? null, failing } });
    return { accepted: false, checks: validation.checks };
  }
  if (validation.key.keyUrl === fromKeyUrl.toLowerCase() || validation.key.keyUrl === fromKeyUrl) {
    throw new AppError("CONFLICT", "The disk encryption set already uses this key version.", { fix: "Pick another version." });
  }
  const payload: RotatePayload = { diskEncryptionSetId: des.id, operation: "switch-key", targetKeyUrl: validation.key.keyUrl, fromKeyUrl, requestId: ctx.requestId, requestedByName: ctx.user.userName };
  const job = await enqueueSupportJob(ctx.db, { kind: "ROTATE_KEY", customerTenantId: tenant.id, idempotencyKey: `rotate:${des.id}:${ctx.requestId ?? validation.key.keyUrl}`, payload, requestedBy: ctx.user.userOid });
  await auditAction(ctx, tenant.id, action, "SUCCESS", { targetType: "diskEncryptionSet", targetId: des.armId!, details: { mode, fromKeyUrl, toKeyUrl: validation.key.keyUrl, jobId: job.id } });
  return { accepted: true, jobId: job.id, targetKeyUrl: validation.key.keyUrl, checks: validation.checks };
}

/** Turn Azure's automatic following of new key versions on or off. */
export async function requestAutoRotation(ctx: SupportCtx, input: { customerTenantId: string; diskEncryptionSetId: string; enabled: boolean }): Promise<{ jobId: string }> {
  const tenant = await customerTenantById(ctx.db, input.customerTenantId);
  const des = await desOfTenant(ctx.db, tenant.id, input.diskEncryptionSetId);
  await refuseWhileBusy(ctx.db, tenant.id);
  const payload: RotatePayload = { diskEncryptionSetId: des.id, operation: "auto-rotation", enabled: input.enabled, requestId: ctx.requestId, requestedByName: ctx.user.userName };
  const job = await enqueueSupportJob(ctx.db, { kind: "ROTATE_KEY", customerTenantId: tenant.id, idempotencyKey: `auto-rotation:${des.id}:${ctx.requestId ?? input.enabled}`, payload, requestedBy: ctx.user.userOid });
  await auditAction(ctx, tenant.id, "support.auto_rotation.request", "SUCCESS", { targetType: "diskEncryptionSet", targetId: des.armId!, details: { enabled: input.enabled, jobId: job.id } });
  return { jobId: job.id };
}

function rotateAudit(db: Db, job: Job, des: { customerTenantId: string; armId: string | null }, result: "SUCCESS" | "FAILURE", details: Record<string, unknown>) {
  const payload = job.payload as RotatePayload;
  return auditSystem(db, des.customerTenantId, payload.operation === "switch-key" ? "support.rotate.execute" : "support.auto_rotation.execute", result, {
    targetType: "diskEncryptionSet",
    targetId: des.armId,
    requestId: payload.requestId,
    details: { jobId: job.id, requestedBy: job.requestedBy, requestedByName: payload.requestedByName ?? null, ...details },
  });
}

/**
 * ROTATE_KEY: re-running is safe — a DES that already points at the target is not updated again, and the key
 * is probed right before the switch (it may have changed since the request). Throws on failure; the job
 * handler decides between retry and giving up.
 */
export async function runRotateKeyJob(db: Db, job: Job): Promise<Record<string, unknown>> {
  const payload = job.payload as RotatePayload;
  const des = await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: payload.diskEncryptionSetId }, include: { keyReference: true, customerTenant: true } });
  const armId = des.armId!;
  if (payload.operation === "auto-rotation") {
    const updated = await updateDes(armId, { rotationToLatest: payload.enabled });
    await db.diskEncryptionSet.update({ where: { id: des.id }, data: { rotationToLatest: updated.rotationToLatest } });
    await rotateAudit(db, job, des, "SUCCESS", { enabled: payload.enabled });
    return { rotationToLatest: updated.rotationToLatest };
  }
  const target = parseVersionedKeyUrl(payload.targetKeyUrl);
  if (!target.ok) throw new AppError("VALIDATION_FAILED", "The target key URL is not versioned.");
  const live = await readDes(armId);
  if (live.keyUrl?.toLowerCase() !== target.key.keyUrl) {
    const probe = await probeCustomerKey(des.customerTenant.tenantId, target.key.keyUrl);
    if (!probe.ok) {
      if (TRANSIENT_PROBE_PROBLEMS.has(probe.problem)) throw new RetryableFailure(probe.azureCode ?? probe.problem, `The key probe before the switch got no clear answer: ${PROBE_PROBLEM_TEXT[probe.problem].reason}`);
      throw new AppError("VALIDATION_FAILED", `The key failed the wrap/unwrap probe before the switch: ${PROBE_PROBLEM_TEXT[probe.problem].reason}`, { azureCode: probe.azureCode ?? probe.problem, fix: PROBE_PROBLEM_TEXT[probe.problem].fix });
    }
    await updateDes(armId, { keyUrl: target.key.keyUrl });
  }
  const facts = await readKeyFacts(des.customerTenant.tenantId, target.key);
  const sameVault = des.keyReference.vaultUri === target.key.vaultUri;
  const keyReference = await db.keyReference.upsert({
    where: { customerTenantId_keyUrl: { customerTenantId: des.customerTenantId, keyUrl: target.key.keyUrl } },
    create: {
      customerTenantId: des.customerTenantId,
      // A key supplied by URL in another vault: the vault's ARM id is not visible to the provider, its URI is.
      vaultResourceId: sameVault ? des.keyReference.vaultResourceId : target.key.vaultUri,
      vaultUri: target.key.vaultUri,
      keyName: target.key.keyName,
      keyVersion: target.key.version,
      keyUrl: target.key.keyUrl,
      keyType: facts.keyType ?? des.keyReference.keyType,
      keySize: facts.keySize ?? null,
      expiresAt: facts.expiresAt ?? null,
      permissionModel: des.keyReference.permissionModel,
      region: des.region,
    },
    update: {},
  });
  await db.diskEncryptionSet.update({ where: { id: des.id }, data: { keyReferenceId: keyReference.id, lastKeyRotationAt: new Date(), provisioningState: "SUCCEEDED", lastErrorCode: null, lastErrorMessage: null } });
  await rotateAudit(db, job, des, "SUCCESS", { fromKeyUrl: payload.fromKeyUrl, toKeyUrl: target.key.keyUrl });
  return { fromKeyUrl: payload.fromKeyUrl, toKeyUrl: target.key.keyUrl };
}

/** The job gave up (no more retries): one audit event saying so. */
export async function rotateKeyFailed(db: Db, job: Job, failure: { code: string; message: string }): Promise<void> {
  const payload = job.payload as RotatePayload;
  const des = await db.diskEncryptionSet.findUniqueOrThrow({ where: { id: payload.diskEncryptionSetId } });
  await rotateAudit(db, job, des, "FAILURE", { errorCode: failure.code, ...(payload.operation === "switch-key" ? { toKeyUrl: payload.targetKeyUrl } : { enabled: payload.enabled }) });
}
