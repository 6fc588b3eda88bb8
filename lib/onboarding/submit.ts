// Step 6: the versioned key becomes a key reference and provisioning of the disk encryption set is queued.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { recordAudit } from "../audit/log";
import type { SessionUser } from "../auth/session-store";
import { enqueueProvisioning } from "../provisioning/service";
import { checkKey, parseVersionedKeyUrl, type KeyFacts } from "./checks";
import { readChosenKey } from "./service";
import { checkHsmKey } from "./hsm-checks";
import { readChosenHsmKey } from "./managed-hsm";
import { customerOnboarding, submission } from "./queries";
import { actorNames, recordedName } from "../audit/actor-names";

/** The error the second of two admins sees: who submitted and when, and where to follow it. */
async function alreadySubmitted(db: Db, customerTenantId: string): Promise<AppError> {
  const done = await submission(db, customerTenantId);
  const by = done ? ` by ${done.by}` : "";
  const at = done?.at ? ` at ${done.at.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
  return new AppError("CONFLICT", `Onboarding was already submitted${by}${at}.`, { fix: "Follow progress on the status page." });
}

/**
 * `currentKey`: how to re-read the key; by default with the admin's own delegated access (the wizard). /api/v1 has no
 * delegated Azure token for an app-only pipeline and reads the key as the provider's CMK app (lib/api/key-facts.ts).
 */
export async function submitOnboarding(
  ctx: { db: Db; user: SessionUser; requestId?: string },
  input: { rotationToLatest: boolean },
  currentKey?: (keyUrl: string) => Promise<KeyFacts>,
): Promise<{ jobId: string; diskEncryptionSetId: string }> {
  const { tenant, onboarding } = await customerOnboarding(ctx.db, ctx.user.tenantId);
  if (onboarding.step === "SUBMITTED") throw await alreadySubmitted(ctx.db, tenant.id);
  // A skipped probe (the vault firewall blocks it) stands in for verification: Azure's own DES check decides.
  if (onboarding.step !== "REVIEW" || !(onboarding.verifiedAt || onboarding.probeSkippedAt) || !onboarding.keyUrl || !onboarding.vaultResourceId || !onboarding.region || !onboarding.permissionModel || !onboarding.keyName) {
    throw new AppError("CONFLICT", "The key has not been verified yet.", { fix: "Complete the verify step first." });
  }
  const parsed = parseVersionedKeyUrl(onboarding.keyUrl);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", "The stored key URL is not versioned.", { fix: "Pick the key again in step 3." });
  const hsm = onboarding.permissionModel === "MANAGED_HSM";
  const key = currentKey ? await currentKey(onboarding.keyUrl)
    : hsm ? await readChosenHsmKey(ctx, onboarding.vaultResourceId, onboarding.keyName) : await readChosenKey(ctx, onboarding.vaultResourceId, onboarding.keyName);
  const failing = (hsm ? checkHsmKey(key) : checkKey(key)).filter((c) => c.status === "fail");
  if (failing.length > 0) {
    throw new AppError("VALIDATION_FAILED", `The key changed since it was verified: ${failing.map((c) => c.reason).join(" ")}`, { fix: failing[0]?.fix });
  }
  // Insert-if-absent, safe when two admins submit at once (an upsert may race into a unique violation).
  await ctx.db.keyReference.createMany({
    data: [
      {
        customerTenantId: tenant.id,
        vaultResourceId: onboarding.vaultResourceId,
        vaultUri: parsed.key.vaultUri,
        keyName: parsed.key.keyName,
        keyVersion: parsed.key.version,
        keyUrl: parsed.key.keyUrl,
        keyType: key.keyType ?? "RSA",
        keySize: key.keySize,
        expiresAt: key.expiresAt,
        permissionModel: onboarding.permissionModel,
        region: onboarding.region,
      },
    ],
    skipDuplicates: true,
  });
  const keyReference = await ctx.db.keyReference.findUniqueOrThrow({ where: { customerTenantId_keyUrl: { customerTenantId: tenant.id, keyUrl: parsed.key.keyUrl } } });
  // Provisioning is queued idempotently (one job per tenant, region and key), so a second concurrent submit
  // queues nothing new; the compare-and-set below decides who submitted.
  const queued = await enqueueProvisioning(ctx.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: input.rotationToLatest, requestedBy: ctx.user.userOid, requestedByNames: actorNames(ctx.user), requestId: ctx.requestId });
  const won = await ctx.db.$transaction(async (tx) => {
    // One conditional UPDATE … WHERE step = 'REVIEW' RETURNING: exactly one of concurrent submits gets the row.
    const claimed = await tx.onboarding.updateManyAndReturn({
      where: { id: onboarding.id, step: "REVIEW" },
      data: { step: "SUBMITTED", rotationToLatest: input.rotationToLatest, submittedAt: new Date() },
      select: { id: true },
    });
    if (claimed.length === 0) return false;
    await tx.onboardingStepEvent.create({ data: { onboardingId: onboarding.id, step: "SUBMITTED", actorOid: ctx.user.userOid, actorName: recordedName(ctx.user) } });
    return true;
  });
  if (!won) throw await alreadySubmitted(ctx.db, tenant.id);
  await recordAudit(ctx.db, {
    actorType: "CUSTOMER",
    actorId: ctx.user.userOid,
    actorTenantId: ctx.user.tenantId,
    actorRole: "CustomerAdmin",
    action: "onboarding.submit",
    targetType: "keyReference",
    targetId: keyReference.keyUrl,
    customerTenantId: tenant.id,
    result: "SUCCESS",
    requestId: ctx.requestId,
    details: { rotationToLatest: input.rotationToLatest, jobId: queued.jobId, probeSkipped: Boolean(onboarding.probeSkippedAt && !onboarding.verifiedAt), ...actorNames(ctx.user) },
  });
  return queued;
}
