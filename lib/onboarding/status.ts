// The customer's status page data: their DES, key in use, health and history (from our database only).
import type { Db } from "../db/client";

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

export async function customerStatus(db: Db, tenantId: string) {
  const tenant = await db.customerTenant.findUnique({
    where: { tenantId },
    include: {
      onboarding: { include: { stepEvents: { orderBy: { enteredAt: "desc" }, take: 50 } } },
      diskEncryptionSets: { include: { keyReference: true }, orderBy: { createdAt: "asc" } },
      jobs: { orderBy: { createdAt: "desc" }, take: 20, include: { attemptLog: { orderBy: { attempt: "desc" }, take: 5 } } },
      healthEvents: { orderBy: { occurredAt: "desc" }, take: 50 },
    },
  });
  if (!tenant) return null;
  const timeline: TimelineEntry[] = [
    ...(tenant.onboarding?.stepEvents ?? []).map((e) => ({ at: e.enteredAt, kind: "step" as const, title: STEP_TITLES[e.step] ?? e.step, tone: "info" as const })),
    ...tenant.jobs.flatMap((job) =>
      job.attemptLog.map((a) => ({
        at: a.finishedAt ?? a.startedAt,
        kind: "job" as const,
        title: `${job.kind === "PROVISION_DES" ? "Provisioning" : job.kind.replaceAll("_", " ").toLowerCase()} — attempt ${a.attempt}${a.errorCode ? " failed" : a.finishedAt ? " finished" : " running"}`,
        detail: a.errorCode ? `${a.errorCode}${a.errorMessage ? `: ${a.errorMessage}` : ""}` : undefined,
        tone: a.errorCode ? ("bad" as const) : ("good" as const),
      })),
    ),
    ...tenant.healthEvents.map((e) => ({
      at: e.occurredAt,
      kind: "health" as const,
      title: `Health: ${e.toState.replaceAll("_", " ").toLowerCase()}`,
      detail: e.cause ?? undefined,
      tone: e.toState === "HEALTHY" ? ("good" as const) : e.toState === "UNKNOWN" ? ("info" as const) : ("bad" as const),
    })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime());
  return { tenant, timeline };
}
