// One health check of one customer tenant: read each DES from ARM, probe its current key through the
// federated token, reduce to one state, and record a HealthEvent only when state or cause changed.
import type PgBoss from "pg-boss";
import type { DiskEncryptionSet as ArmDiskEncryptionSet } from "@azure/arm-compute";
import { recordAudit } from "../audit/log";
import type { Db } from "../db/client";
import type { HealthState } from "../db/generated/prisma/enums";
import { serverEnv } from "../env";
import { sharedQueue } from "../jobs/queue";
import { logger } from "../logger";
import { classifyAzureError } from "../provisioning/azure-errors";
import { providerCompute } from "../provisioning/des";
import { assessDes, isUnhealthy, worstOf, type Assessment, type DesObservation } from "./assess";
import { isProviderRevoked } from "./causes";
import { probeCustomerKey } from "../azure/key-probe";
import { notificationFor, queueHealthNotification } from "./notify";
import { wakeWebhookDelivery } from "../webhooks/outbox";

export type HealthCheckResult =
  | { status: "skipped"; reason: "not-found" | "not-monitored" | "no-des" | "revoked"; state?: HealthState }
  | { status: "inconclusive"; state: HealthState; detail: string }
  | { status: "checked"; state: HealthState; cause: string | null; changed: boolean; eventId?: string };


async function observeDes(name: string): Promise<DesObservation | { error: unknown }> {
  try {
    const des: ArmDiskEncryptionSet = await providerCompute().diskEncryptionSets.get(serverEnv().PROVIDER_RESOURCE_GROUP, name);
    return { found: true, provisioningState: des.provisioningState, autoKeyRotationError: des.autoKeyRotationError ? { code: des.autoKeyRotationError.code, message: des.autoKeyRotationError.message } : undefined, previousKeys: des.previousKeys?.length ?? 0, keyUrl: des.activeKey?.keyUrl };
  } catch (error) {
    const e = error as { statusCode?: number };
    if (e.statusCode === 404) return { found: false };
    return { error };
  }
}

/** Changes a provider wants to hear about: into trouble, a customer's revocation, and recovery from either. */
function worthTelling(event: { fromState: HealthState; toState: HealthState; cause: string | null }): boolean {
  return isUnhealthy(event.toState) || event.cause === "REVOKED_BY_CUSTOMER" || (event.toState === "HEALTHY" && (isUnhealthy(event.fromState) || event.fromState === "REVOKED"));
}

export async function checkTenantHealth(db: Db, customerTenantId: string, options: { queue?: PgBoss } = {}): Promise<HealthCheckResult> {
  const tenant = await db.customerTenant.findUnique({
    where: { id: customerTenantId },
    include: { diskEncryptionSets: { where: { provisioningState: { in: ["SUCCEEDED", "UPDATING"] } }, include: { keyReference: true } } },
  });
  if (!tenant) return { status: "skipped", reason: "not-found" };
  // History-only tenants (demo data) have nothing in Azure to check: probing them would invent incidents.
  if (!tenant.monitored) return { status: "skipped", reason: "not-monitored", state: tenant.healthState };
  // The provider revoked this tenant on purpose (support): not an incident. The check records that it ran and
  // leaves the state alone; restore moves the tenant out of REVOKED and checks resume. A customer's own
  // revocation (key disabled, role removed) is checked as usual, so its lifting is noticed.
  if (isProviderRevoked(tenant)) {
    await db.customerTenant.update({ where: { id: tenant.id }, data: { lastHealthCheckAt: new Date() } });
    return { status: "skipped", reason: "revoked", state: "REVOKED" };
  }
  if (tenant.diskEncryptionSets.length === 0) return { status: "skipped", reason: "no-des" };

  const perDes: { desId: string; assessment: Assessment; keyUrl?: string; rotatedAt?: Date }[] = [];
  for (const des of tenant.diskEncryptionSets) {
    const observed = await observeDes(des.name);
    if ("error" in observed) {
      const failure = classifyAzureError(observed.error);
      perDes.push({ desId: des.id, assessment: failure.kind === "permanent" && failure.cause === "PROVIDER_PERMISSION" ? { state: "KEY_UNREACHABLE", cause: "PROVIDER_PERMISSION", detail: `ARM said ${failure.azureCode}.` } : { inconclusive: true, detail: `Reading the disk encryption set failed (${failure.azureCode}).` } });
      continue;
    }
    // The key the DES uses now (auto-rotation may have moved it past the one we stored).
    const keyUrl = (observed.found && observed.keyUrl) || des.keyReference.keyUrl;
    const probe = observed.found ? await probeCustomerKey(tenant.tenantId, keyUrl) : undefined;
    perDes.push({ desId: des.id, assessment: assessDes(observed, probe), keyUrl });
  }
  const overall = worstOf(perDes.map((d) => d.assessment));
  const checkedAt = new Date();
  if ("inconclusive" in overall) {
    await db.customerTenant.update({ where: { id: tenant.id }, data: { lastHealthCheckAt: checkedAt } });
    logger.info({ customerTenantId, detail: overall.detail }, "health check inconclusive");
    return { status: "inconclusive", state: tenant.healthState, detail: overall.detail };
  }

  // The usual case, nothing changed: one conditional update instead of a locking transaction (a check of
  // 10,000 tenants every 15 minutes is mostly this; see scripts/bench-health.ts). If the row moved meanwhile,
  // the update matches nothing and the transaction below decides.
  const desUnchanged = perDes.every((d) => "inconclusive" in d.assessment || d.assessment.state === tenant.diskEncryptionSets.find((des) => des.id === d.desId)?.healthState);
  if (desUnchanged && tenant.healthState === overall.state && (tenant.healthCause ?? null) === overall.cause && !isProviderRevoked(tenant)) {
    const { count } = await db.customerTenant.updateMany({ where: { id: tenant.id, healthState: overall.state, healthCause: overall.cause }, data: { lastHealthCheckAt: checkedAt } });
    if (count === 1) return { status: "checked", state: overall.state, cause: overall.cause, changed: false };
  }

  const recorded = await db.$transaction(async (tx) => {
    // Serialise concurrent checks of one tenant so each change is recorded exactly once.
    const [current] = await tx.$queryRaw<{ healthState: HealthState; healthCause: string | null }[]>`
      SELECT "healthState", "healthCause" FROM "CustomerTenant" WHERE id = ${tenant.id}::uuid FOR UPDATE`;
    if (!current || isProviderRevoked(current)) return { changed: false as const, from: current?.healthState ?? tenant.healthState };
    for (const d of perDes) {
      if (!("inconclusive" in d.assessment)) await tx.diskEncryptionSet.update({ where: { id: d.desId }, data: { healthState: d.assessment.state } });
    }
    const changed = current.healthState !== overall.state || (current.healthCause ?? null) !== overall.cause;
    if (!changed) {
      await tx.customerTenant.update({ where: { id: tenant.id }, data: { lastHealthCheckAt: checkedAt } });
      return { changed: false as const, from: current.healthState };
    }
    // The tenant before its event, as every writer of health changes does: the dashboard's triggers then lock the
    // status totals before the hour's count of changes (migration 20261128121000_health_change_hours), never after.
    await tx.customerTenant.update({
      where: { id: tenant.id },
      data: {
        healthState: overall.state,
        healthCause: overall.cause,
        lastHealthCheckAt: checkedAt,
        lastHealthChangeAt: checkedAt,
        // The wizard and status page show "consent removed" from this, not a generic error.
        ...(overall.cause === "CONSENT_REMOVED" && { consentStatus: "REMOVED" as const }),
      },
    });
    const event = await tx.healthEvent.create({ data: { customerTenantId: tenant.id, fromState: current.healthState, toState: overall.state, cause: overall.cause, detail: overall.detail, occurredAt: checkedAt } });
    // The webhook joins the outbox in this transaction: the event and its notification commit together.
    const webhook = worthTelling(event) ? await queueHealthNotification(tx, notificationFor(event, { id: tenant.id, tenantId: tenant.tenantId, displayName: tenant.displayName })) : null;
    return { changed: true as const, from: current.healthState, event, webhook };
  });

  if (!recorded.changed) return { status: "checked", state: overall.state, cause: overall.cause, changed: false };
  const { event } = recorded;
  await recordAudit(db, {
    actorType: "SYSTEM", actorId: "health-monitor", action: "health.changed", targetType: "CustomerTenant", targetId: tenant.id, customerTenantId: tenant.id,
    result: "SUCCESS", details: { from: event.fromState, to: event.toState, cause: event.cause, eventId: event.id },
  });
  if (recorded.webhook?.status === "PENDING") {
    try {
      await wakeWebhookDelivery(options.queue ?? (await sharedQueue()), recorded.webhook.id);
    } catch (error) {
      // The delivery is in the outbox; the fleet's sweep wakes it within a minute.
      logger.warn({ err: error, customerTenantId, eventId: event.id }, "could not wake the health webhook delivery");
    }
  }
  return { status: "checked", state: event.toState, cause: event.cause, changed: true, eventId: event.id };
}
