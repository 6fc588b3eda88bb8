// Step 6: the versioned key becomes a key reference and provisioning of the disk encryption set is queued.
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { recordAudit } from "../audit/log";
import type { SessionUser } from "../auth/session-store";
import { enqueueProvisioning } from "../provisioning/service";
import { checkKey, parseVersionedKeyUrl } from "./checks";
import { readChosenKey } from "./service";
import { customerOnboarding } from "./queries";

export async function submitOnboarding(ctx: { db: Db; user: SessionUser; requestId?: string }, input: { rotationToLatest: boolean }): Promise<{ jobId: string; diskEncryptionSetId: string }> {
  const { tenant, onboarding } = await customerOnboarding(ctx.db, ctx.user.tenantId);
  if (onboarding.step === "SUBMITTED") {
    throw new AppError("CONFLICT", "Onboarding was already submitted.", { fix: "Follow progress on the status page." });
  }
  if (onboarding.step !== "REVIEW" || !onboarding.verifiedAt || !onboarding.keyUrl || !onboarding.vaultResourceId || !onboarding.region || !onboarding.permissionModel || !onboarding.keyName) {
    throw new AppError("CONFLICT", "The key has not been verified yet.", { fix: "Complete the verify step first." });
  }
  const parsed = parseVersionedKeyUrl(onboarding.keyUrl);
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", "The stored key URL is not versioned.", { fix: "Pick the key again in step 3." });
  const key = await readChosenKey(ctx, onboarding.vaultResourceId, onboarding.keyName);
  const failing = checkKey(key).filter((c) => c.status === "fail");
  if (failing.length > 0) {
    throw new AppError("VALIDATION_FAILED", `The key changed since it was verified: ${failing.map((c) => c.reason).join(" ")}`, { fix: failing[0]?.fix });
  }
  const keyReference = await ctx.db.keyReference.upsert({
    where: { customerTenantId_keyUrl: { customerTenantId: tenant.id, keyUrl: parsed.key.keyUrl } },
    create: {
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
    update: {},
  });
  const queued = await enqueueProvisioning(ctx.db, { customerTenantId: tenant.id, keyReferenceId: keyReference.id, rotationToLatest: input.rotationToLatest, requestedBy: ctx.user.userOid, requestId: ctx.requestId });
  await ctx.db.$transaction([
    ctx.db.onboarding.update({ where: { id: onboarding.id }, data: { step: "SUBMITTED", rotationToLatest: input.rotationToLatest, submittedAt: new Date() } }),
    ctx.db.onboardingStepEvent.create({ data: { onboardingId: onboarding.id, step: "SUBMITTED", actorOid: ctx.user.userOid } }),
  ]);
  await recordAudit(ctx.db, { actorType: "CUSTOMER", actorId: ctx.user.userOid, actorTenantId: ctx.user.tenantId, actorRole: "CustomerAdmin", action: "onboarding.submit", targetType: "keyReference", targetId: keyReference.keyUrl, customerTenantId: tenant.id, result: "SUCCESS", requestId: ctx.requestId, details: { rotationToLatest: input.rotationToLatest, jobId: queued.jobId } });
  return queued;
}
