/**
 * Key rotation policy limits, as Key Vault enforces them on the data plane (PUT /keys/{name}/rotationpolicy) and
 * on ARM key creation (properties.rotationPolicy): expiry at least 28 days, rotation at least 7 days after
 * creation and at least 7 days before expiry; before-expiry triggers need an expiry time.
 * https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation ; KeyRotationPolicy.ExpiresIn
 * ("at least 28 days") in the SDK reference. The message wording is ours (Key Vault's text was not captured).
 */
export interface PolicyInput {
  lifetimeActions?: { trigger?: { timeAfterCreate?: string | null; timeBeforeExpiry?: string | null }; action?: { type?: string } }[];
  attributes?: { expiryTime?: string | null };
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i;

/** Days in an ISO 8601 duration (a month counts 30 days, a year 365), or undefined when it is not one. */
export function durationDays(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m || value.toUpperCase() === 'P' || value.toUpperCase().endsWith('T')) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number, number, number, number];
  return y * 365 + mo * 30 + w * 7 + d + h / 24 + mi / 1440 + s / 86400;
}

/** The first limit the policy breaks, as a Key Vault BadParameter message; undefined when it is valid. */
export function rotationPolicyProblem(policy: PolicyInput): string | undefined {
  const expiryTime = policy.attributes?.expiryTime ?? undefined;
  const expiryDays = expiryTime === undefined ? undefined : durationDays(expiryTime);
  if (expiryTime !== undefined && expiryDays === undefined) return `Property has invalid value: expiryTime '${expiryTime}' is not an ISO 8601 duration.`;
  if (expiryDays !== undefined && expiryDays < 28) return `Invalid key rotation policy: expiryTime '${expiryTime}' is shorter than the minimum of 28 days (P28D).`;
  for (const action of policy.lifetimeActions ?? []) {
    const type = (action.action?.type ?? '').toLowerCase();
    if (type !== 'rotate' && type !== 'notify') return `Property has invalid value: lifetimeActions action type '${action.action?.type ?? ''}' (use Rotate or Notify).`;
    const after = action.trigger?.timeAfterCreate ?? undefined;
    const before = action.trigger?.timeBeforeExpiry ?? undefined;
    if ((after === undefined) === (before === undefined)) return 'Invalid key rotation policy: each lifetime action needs exactly one of timeAfterCreate and timeBeforeExpiry.';
    if (after !== undefined) {
      const days = durationDays(after);
      if (days === undefined) return `Property has invalid value: timeAfterCreate '${after}' is not an ISO 8601 duration.`;
      if (type === 'notify') return 'Invalid key rotation policy: a Notify action takes timeBeforeExpiry only.';
      if (days < 7) return `Invalid key rotation policy: timeAfterCreate '${after}' is shorter than the minimum rotation time of 7 days (P7D).`;
      if (expiryDays !== undefined && days > expiryDays - 7) return `Invalid key rotation policy: timeAfterCreate '${after}' must be at least 7 days before the expiry time '${expiryTime}'.`;
    }
    if (before !== undefined) {
      const days = durationDays(before);
      if (days === undefined) return `Property has invalid value: timeBeforeExpiry '${before}' is not an ISO 8601 duration.`;
      if (expiryDays === undefined) return 'Invalid key rotation policy: a timeBeforeExpiry trigger requires the policy\'s expiryTime.';
      if (days >= expiryDays) return `Invalid key rotation policy: timeBeforeExpiry '${before}' must be shorter than the expiry time '${expiryTime}'.`;
      if (type === 'rotate' && days < 7) return `Invalid key rotation policy: timeBeforeExpiry '${before}' is shorter than the minimum of 7 days (P7D).`;
    }
  }
  return undefined;
}
