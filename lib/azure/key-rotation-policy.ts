// Key Vault's limits on a key rotation policy, checked before the policy is sent: versions expire at least 28
// days after creation, rotation happens at least 7 days after creation and at least 7 days before expiry.
// https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation (rotation time), and the SDKs'
// KeyRotationPolicy.ExpiresIn ("at least 28 days"). Pure.

export type RotationChoice = { rotateEveryDays: number; expiryDays: number; notifyDaysBeforeExpiry: number };

export const ROTATION_LIMITS = {
  minRotateDays: 7,
  minExpiryDays: 28,
  /** Rotation must come at least this long before the version expires. */
  minRotateBeforeExpiryDays: 7,
  /** Our own floor, not Key Vault's: a notice needs time to act on (Key Vault documents no minimum). */
  minNotifyDays: 7,
  maxDays: 3650,
} as const;

export type RotationProblem = { field: keyof RotationChoice; message: string };

export function rotationChoiceProblems(r: RotationChoice): RotationProblem[] {
  const problems: RotationProblem[] = [];
  const L = ROTATION_LIMITS;
  if (r.expiryDays < L.minExpiryDays) problems.push({ field: "expiryDays", message: `Key Vault requires versions to live at least ${L.minExpiryDays} days.` });
  if (r.rotateEveryDays < L.minRotateDays) problems.push({ field: "rotateEveryDays", message: `Key Vault rotates at most every ${L.minRotateDays} days.` });
  else if (r.rotateEveryDays > r.expiryDays - L.minRotateBeforeExpiryDays) {
    problems.push({ field: "rotateEveryDays", message: `Key Vault must rotate at least ${L.minRotateBeforeExpiryDays} days before a version expires: rotate every ${Math.max(L.minRotateDays, r.expiryDays - L.minRotateBeforeExpiryDays)} days or fewer, or let versions live longer.` });
  }
  if (r.notifyDaysBeforeExpiry < L.minNotifyDays) problems.push({ field: "notifyDaysBeforeExpiry", message: `Notify at least ${L.minNotifyDays} days before expiry, so there is time to act.` });
  else if (r.notifyDaysBeforeExpiry >= r.expiryDays) problems.push({ field: "notifyDaysBeforeExpiry", message: "The notice must come before the version expires: choose fewer days than the expiry." });
  for (const field of ["rotateEveryDays", "expiryDays", "notifyDaysBeforeExpiry"] as const) {
    if (!Number.isInteger(r[field]) || r[field] > L.maxDays) problems.push({ field, message: `Use a whole number of days up to ${L.maxDays}.` });
  }
  return problems;
}

/** The policy as ARM's key creation takes it (ISO 8601 durations in days). */
export function rotationPolicyFor(r: RotationChoice) {
  return {
    attributes: { expiryTime: `P${r.expiryDays}D` },
    lifetimeActions: [
      { trigger: { timeAfterCreate: `P${r.rotateEveryDays}D` }, action: { type: "rotate" as const } },
      { trigger: { timeBeforeExpiry: `P${r.notifyDaysBeforeExpiry}D` }, action: { type: "notify" as const } },
    ],
  };
}
