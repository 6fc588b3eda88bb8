// From what Azure shows (the DES as ARM reports it, and a probe of the key through the federated token)
// to one health state and cause. Pure.
import type { HealthState } from "../db/generated/prisma/enums";
import type { KeyProbeResult } from "../azure/key-probe";
import type { HealthCause } from "./causes";

export const EXPIRY_WARNING_DAYS = 30;

export type DesObservation =
  | { found: false }
  | { found: true; provisioningState?: string; autoKeyRotationError?: { code?: string; message?: string }; previousKeys: number; keyUrl?: string };

/** `inconclusive`: Azure throttled or failed; keep the previous state and try again next time. */
export type Assessment = { state: HealthState; cause: HealthCause | null; detail: string | null } | { inconclusive: true; detail: string };

/** A customer may cut the provider off on purpose: disabling the key, or removing the provider's role. */
const CUSTOMER_CUT_OFF: Record<string, string> = {
  KEY_DISABLED: "The customer disabled the key version the disks use.",
  ROLE_MISSING: "The customer removed the provider's permission on the key.",
};

const PROBE_CAUSE: Record<string, HealthCause> = {
  KEY_NOT_FOUND: "KEY_NOT_FOUND",
  KEY_EXPIRED: "KEY_EXPIRED",
  VAULT_FIREWALL: "VAULT_FIREWALL",
  CONSENT_REMOVED: "CONSENT_REMOVED",
  FEDERATION_BROKEN: "FIC_MISSING",
};

export function assessDes(des: DesObservation, probe: KeyProbeResult | undefined, now = new Date()): Assessment {
  if (!des.found) return { state: "KEY_UNREACHABLE", cause: "DES_MISSING", detail: "The disk encryption set was not found in the provider subscription." };
  if (probe && !probe.ok) {
    const cutOff = CUSTOMER_CUT_OFF[probe.problem];
    if (cutOff) return { state: "REVOKED", cause: "REVOKED_BY_CUSTOMER", detail: probe.azureCode ? `${cutOff} Azure said ${probe.azureCode}.` : cutOff };
    const cause = PROBE_CAUSE[probe.problem];
    if (!cause) return { inconclusive: true, detail: `Key check inconclusive (${probe.azureCode ?? probe.problem}).` };
    return { state: "KEY_UNREACHABLE", cause, detail: probe.azureCode ? `Azure said ${probe.azureCode}.` : null };
  }
  if (des.provisioningState === "Failed") return { state: "KEY_UNREACHABLE", cause: "DES_FAILED", detail: "Azure reports provisioningState Failed." };
  if (des.autoKeyRotationError) {
    return { state: "DEGRADED", cause: "AUTO_ROTATION_ERROR", detail: des.autoKeyRotationError.code ? `autoKeyRotationError ${des.autoKeyRotationError.code}` : "autoKeyRotationError set" };
  }
  if (probe?.ok && probe.expiresOn && probe.expiresOn.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000) {
    return { state: "DEGRADED", cause: "KEY_EXPIRES_SOON", detail: `The key expires ${probe.expiresOn.toISOString().slice(0, 10)}.` };
  }
  if (des.previousKeys > 0) return { state: "HEALTHY", cause: "REENCRYPTING", detail: `${des.previousKeys} previous key(s) still in use while disks are re-wrapped.` };
  return { state: "HEALTHY", cause: null, detail: null };
}

const SEVERITY: Record<HealthState, number> = { UNKNOWN: 0, HEALTHY: 1, DEGRADED: 2, KEY_UNREACHABLE: 3, REVOKED: 4 };

/** The tenant's state is its worst DES; inconclusive results count only when nothing conclusive exists. */
export function worstOf(assessments: Assessment[]): Assessment {
  const conclusive = assessments.filter((a): a is Extract<Assessment, { state: HealthState }> => !("inconclusive" in a));
  if (conclusive.length === 0) return assessments[0] ?? { inconclusive: true, detail: "No disk encryption set to check." };
  if (conclusive.length < assessments.length && conclusive.every((a) => a.state === "HEALTHY")) return assessments.find((a) => "inconclusive" in a)!;
  return conclusive.reduce((worst, a) => (SEVERITY[a.state] > SEVERITY[worst.state] ? a : worst));
}

export function isUnhealthy(state: HealthState): boolean {
  return state === "DEGRADED" || state === "KEY_UNREACHABLE";
}
