// The customer's status page data: their DES, key in use, health and history (from our database only).
// Errors are shown in customer-safe words only: Azure's own messages (correlation ids, provider subscription
// and resource ids, stack traces) stay in the provider's logs and attempt records.
import type { Db } from "../db/client";
import { describeHealthCause, HEALTH_CAUSES, type HealthCause } from "../health/causes";
import { classifyAzureError } from "../provisioning/azure-errors";

export type TimelineEntry = { at: Date; kind: "step" | "job" | "health"; title: string; detail?: string; tone: "info" | "good" | "bad" };

const STEP_TITLES: Record<string, string> = {
  CONSENT: "Onboarding started",
  KEY_VAULT: "Consent granted",
  KEY: "Key vault chosen",
  ACCESS: "Key chosen",
  VERIFY: "Access granted",
  REVIEW: "Key verified by the provider",
  SUBMITTED: "Submitted",
};

/** An error code is shown only when it looks like one (Azure/AADSTS codes), never free text. */
const SAFE_CODE = /^[A-Za-z][A-Za-z0-9]{1,60}(\/[A-Za-z][A-Za-z0-9]{1,60})?$/;

/** The cause behind an attempt's error code, decided by the job engine's own classifier (as provisioning does). */
function causeOfCode(code: string): HealthCause {
  const failure = classifyAzureError({ code, message: code });
  if (failure.kind === "retryable") return failure.reason === "internal" ? "UNKNOWN_ERROR" : "AZURE_UNAVAILABLE";
  return failure.cause;
}

/** The text provisioning stores for a customer ("<title>. <fix>"): already safe. */
const CUSTOMER_MESSAGES = new Set(HEALTH_CAUSES.map((cause) => customerFailureText(cause)));

function customerFailureText(cause: HealthCause): string {
  const info = describeHealthCause(cause);
  return `${info.title}. ${info.customerFix}`;
}

/** What the customer may read about a failure: the mapped explanation and, if it is one, the Azure code. */
export function customerSafeFailure(code: string | null | undefined): string {
  const safeCode = code && SAFE_CODE.test(code) ? code : undefined;
  const text = customerFailureText(safeCode ? causeOfCode(safeCode) : "UNKNOWN_ERROR");
  return safeCode ? `${text} (${safeCode})` : text;
}

export async function customerStatus(db: Db, tenantId: string) {
  const tenant = await db.customerTenant.findUnique({
    where: { tenantId },
    include: {
      onboarding: { include: { stepEvents: { orderBy: { enteredAt: "desc" }, take: 50 } } },
      diskEncryptionSets: { include: { keyReference: true }, orderBy: { createdAt: "asc" } },
      // Key verification's attempts are expected refusals while access propagates: its own card shows them, and the
      // step history records the outcome.
      jobs: { where: { kind: { not: "VERIFY_KEY" } }, orderBy: { createdAt: "desc" }, take: 20, include: { attemptLog: { orderBy: { attempt: "desc" }, take: 5 } } },
      healthEvents: { orderBy: { occurredAt: "desc" }, take: 50 },
    },
  });
  if (!tenant) return null;
  const timeline: TimelineEntry[] = [
    ...(tenant.onboarding?.stepEvents ?? []).map((e) => ({
      at: e.enteredAt,
      kind: "step" as const,
      title: `${STEP_TITLES[e.step] ?? e.step}${e.subject ? `: ${e.subject}` : ""}`,
      detail: `By ${e.actorName ?? "Unknown user"}`,
      tone: "info" as const,
    })),
    ...tenant.jobs.flatMap((job) =>
      job.attemptLog.map((a) => ({
        at: a.finishedAt ?? a.startedAt,
        kind: "job" as const,
        title: `${job.kind === "PROVISION_DES" ? "Provisioning" : job.kind.replaceAll("_", " ").toLowerCase()} — attempt ${a.attempt}${a.errorCode ? " failed" : a.finishedAt ? " finished" : " running"}`,
        detail: a.errorCode ? customerSafeFailure(a.errorCode) : undefined,
        tone: a.errorCode ? ("bad" as const) : ("good" as const),
      })),
    ),
    ...tenant.healthEvents.map((e) => ({
      at: e.occurredAt,
      kind: "health" as const,
      title: `Health: ${e.toState.replaceAll("_", " ").toLowerCase()}`,
      detail: e.cause ? describeHealthCause(e.cause).title : undefined,
      tone: e.toState === "HEALTHY" ? ("good" as const) : e.toState === "UNKNOWN" ? ("info" as const) : ("bad" as const),
    })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime());
  const diskEncryptionSets = tenant.diskEncryptionSets.map((des) => ({
    ...des,
    lastErrorMessage: des.lastErrorMessage === null || CUSTOMER_MESSAGES.has(des.lastErrorMessage) ? des.lastErrorMessage : customerSafeFailure(des.lastErrorCode),
  }));
  // Only what the page shows: job attempts and health event details keep Azure's raw text for the provider.
  // The service principal's object id is the customer's own (it links to their enterprise app).
  const { id, displayName, healthState, healthCause, lastHealthCheckAt, servicePrincipalObjectId } = tenant;
  return { tenant: { id, tenantId: tenant.tenantId, displayName, healthState, healthCause, lastHealthCheckAt, servicePrincipalObjectId, diskEncryptionSets }, timeline };
}
