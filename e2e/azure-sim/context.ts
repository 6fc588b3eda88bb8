/** Everything a request handler needs: the state, the token signer, settings and armed faults. */
import type { ApiError, SimState } from './state';
import type { TokenSigner } from './tokens';
import type { Service } from './http';
import type { ArmThrottle, ArmThrottleSettings } from './arm/throttle';
import type { SimStats } from './stats';

export interface SimSettings {
  /** New role assignments take effect for data-plane checks only after this delay. */
  propagationDelayMs: number;
  /** How long a DES/VM long-running operation stays InProgress. */
  lroDurationMs: number;
  /** Delay before a DES with auto-rotation follows a new key version (and again before re-encryption ends). */
  rotationDelayMs: number;
  /** A service principal created by admin consent is invisible to Graph and token requests for this long (replication). */
  servicePrincipalReplicationMs: number;
  /** ARM's token-bucket throttle (arm/throttle.ts): Azure's limits by default; `enabled: false` turns it off. */
  armThrottle: ArmThrottleSettings;
}

export interface ThrottleFault { remaining: number; retryAfterSeconds: number }
export interface ServerErrorFault { remaining: number; status: number }
export interface LroFault { remaining: number; mode: 'fail' | 'stall'; error: ApiError }

/** Faults armed by tests or the control API; each is consumed by the calls it affects. */
export class Faults {
  throttle = new Map<Service, ThrottleFault>();
  serverErrors = new Map<Service, ServerErrorFault>();
  lro: LroFault | undefined;
  /** Tenants in which approving admin consent fails (as if blocked by tenant policy). */
  consentDenied = new Set<string>();
  /** Tenants whose Conditional Access requires MFA that a user token without it cannot satisfy (on-behalf-of fails). */
  mfaRequired = new Set<string>();

  clear(): void {
    this.throttle.clear();
    this.serverErrors.clear();
    this.lro = undefined;
    this.consentDenied.clear();
    this.mfaRequired.clear();
  }

  describe(): Record<string, unknown> {
    return {
      throttle: Object.fromEntries(this.throttle), serverErrors: Object.fromEntries(this.serverErrors),
      lro: this.lro ?? null, consentDenied: [...this.consentDenied], mfaRequired: [...this.mfaRequired],
    };
  }
}

export interface SimContext {
  state: SimState;
  signer: TokenSigner;
  settings: SimSettings;
  faults: Faults;
  origin: string;
  /** ARM's token buckets (reset with the state). */
  armThrottle: ArmThrottle;
  /** What was asked since start or the last reset. */
  stats: SimStats;
  /** Runs `task` after `ms`; cancelled on stop/reset so no timer outlives its state. */
  schedule(ms: number, task: () => void): void;
}

export const ARM_AUDIENCES = ['https://management.azure.com', 'https://management.azure.com/', 'https://management.core.windows.net/', 'https://management.core.windows.net'];
export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', 'https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000'];
/**
 * The simulator's equivalent of `vault.azure.net`: vaults are `https://{vault}.vault.localhost:{port}/` and their
 * 401 challenge names `https://vault.localhost`, which the Key Vault SDK accepts for a host under it.
 */
export const SIM_VAULT_DNS_SUFFIX = 'vault.localhost';
export const SIM_VAULT_RESOURCE = `https://${SIM_VAULT_DNS_SUFFIX}`;
/** Tokens Key Vault accepts: Azure's resource (with or without slash, or its app id) and the simulator's. */
export const VAULT_AUDIENCES = ['https://vault.azure.net', 'https://vault.azure.net/', 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093', SIM_VAULT_RESOURCE, `${SIM_VAULT_RESOURCE}/`];
/**
 * Managed HSM pools the same way: `https://{hsm}.managedhsm.localhost:{port}/`, challenging for
 * `https://managedhsm.localhost` as Azure's pools challenge for `https://managedhsm.azure.net`.
 */
export const SIM_HSM_DNS_SUFFIX = 'managedhsm.localhost';
export const SIM_HSM_RESOURCE = `https://${SIM_HSM_DNS_SUFFIX}`;
/** Tokens a Managed HSM accepts: its own resource (Azure's and the simulator's); a Key Vault token is refused. */
export const HSM_AUDIENCES = ['https://managedhsm.azure.net', 'https://managedhsm.azure.net/', SIM_HSM_RESOURCE, `${SIM_HSM_RESOURCE}/`];
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export function issuerFor(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}
