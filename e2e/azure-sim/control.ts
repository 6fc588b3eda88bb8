/**
 * The `/__sim/` control API: reset/load a scenario, inspect state, arm faults and mutate the world
 * the way a customer or an outage would. The typed helpers in index.ts call the same functions.
 */
import type { Faults, SimContext, SimSettings } from './context';
import { completeOperation, advanceRotation } from './arm/compute';
import { mergeThrottleSettings, type ArmThrottleSettings } from './arm/throttle';
import { jsonBody, json, SERVICES, type Service, type SimRequest, type SimResponse } from './http';
import type { Scenario } from './seed';
import { latestVersion } from './keyvault';
import { providerEmptyScenario } from './provider-empty';
import { nowSeconds, type SimState } from './state';

export interface KeyRef { vault: string; key: string; version?: string }

export class SimControl {
  constructor(private readonly ctx: () => SimContext, private readonly resetTo: (scenario?: Scenario | ((origin: string) => Scenario)) => void) {}

  private get state(): SimState { return this.ctx().state; }
  private get faults(): Faults { return this.ctx().faults; }

  /** Answer the next `count` calls of `service` with 429 + Retry-After. */
  throttle(service: Service, count: number, retryAfterSeconds = 1): void {
    this.faults.throttle.set(service, { remaining: count, retryAfterSeconds });
  }

  /** Answer the next `count` calls of `service` with a 5xx. */
  serverError(service: Service, count: number, status = 503): void {
    this.faults.serverErrors.set(service, { remaining: count, status });
  }

  /** The next `count` long-running operations fail with `code`/`message`, or stall until released. */
  failNextOperations(count = 1, code = 'InternalOperationError', message = 'An internal execution error occurred. Please retry later.'): void {
    this.faults.lro = { remaining: count, mode: 'fail', error: { code, message } };
  }

  stallNextOperations(count = 1): void {
    this.faults.lro = { remaining: count, mode: 'stall', error: { code: 'OperationStalled', message: 'Stalled by a simulator fault.' } };
  }

  /** Completes stalled operations (successfully unless `fail`), returning how many were released. */
  releaseStalledOperations(fail?: { code: string; message: string }): number {
    const stalled = [...this.state.operations.values()].filter((op) => op.stalled && op.status === 'InProgress');
    for (const op of stalled) completeOperation(op, fail);
    return stalled.length;
  }

  setSettings(settings: Partial<SimSettings>): SimSettings {
    const { armThrottle, ...rest } = settings;
    Object.assign(this.ctx().settings, rest);
    if (armThrottle !== undefined) this.setArmThrottle(armThrottle);
    return this.ctx().settings;
  }

  /**
   * ARM's token-bucket throttle: a partial update such as `{ writes: { bucketSize: 20, refillPerSecond: 2 } }` or
   * `{ enabled: false }` (validated: a bad value throws and changes nothing). Returns the settings now in force.
   */
  setArmThrottle(input: unknown): ArmThrottleSettings {
    const settings = this.ctx().settings;
    settings.armThrottle = mergeThrottleSettings(settings.armThrottle, input);
    return settings.armThrottle;
  }

  denyConsent(tenantId: string, denied = true): void {
    if (denied) this.faults.consentDenied.add(tenantId);
    else this.faults.consentDenied.delete(tenantId);
  }

  /** Grants admin consent for an app in a tenant without the browser flow (creates its service principal, replicating as after consent). */
  grantConsent(appId: string, tenantId: string): string {
    return this.state.addServicePrincipal(appId, tenantId, true, this.ctx().settings.servicePrincipalReplicationMs).id;
  }

  /** Deletes the app's service principal in a tenant (the customer removed the enterprise app). */
  revokeConsent(appId: string, tenantId: string): boolean {
    // Deleting the enterprise app deletes its delegated permission grants with it.
    this.state.revokeDelegated(appId, tenantId);
    return this.state.servicePrincipals.delete(`${tenantId}|${appId}`);
  }

  /** Removes an app's delegated grants in a tenant (all, or one resource's, e.g. `https://management.azure.com`). */
  revokeDelegatedGrants(appId: string, tenantId: string, resource?: string): number {
    return this.state.revokeDelegated(appId, tenantId, resource);
  }

  /** Sets `api.requestedAccessTokenVersion` of an app registration (null = Entra's default, v1). */
  setAccessTokenVersion(appId: string, version: 1 | 2 | null): void {
    const app = this.state.applications.get(appId);
    if (!app) throw new Error(`Application ${appId} not found`);
    app.requestedAccessTokenVersion = version;
  }

  /** Conditional Access in `tenantId` requires MFA that on-behalf-of cannot satisfy (interaction_required). */
  requireMfa(tenantId: string, required = true): void {
    if (required) this.faults.mfaRequired.add(tenantId);
    else this.faults.mfaRequired.delete(tenantId);
  }

  /** Which user-assigned identities (client ids) are attached to the product's host; the MSI endpoint serves only these. */
  setHostIdentities(clientIds: string[]): void {
    this.state.hostIdentities = new Set(clientIds);
  }

  /** The customer turns a vault's firewall on or off (networkAcls.defaultAction; trusted services keep their bypass). */
  setVaultFirewall(vaultName: string, defaultAction: 'Allow' | 'Deny'): void {
    const vault = this.state.vaultByName(vaultName);
    if (!vault) throw new Error(`Vault ${vaultName} not found`);
    vault.networkDefaultAction = defaultAction;
  }

  setKeyEnabled(ref: KeyRef, enabled: boolean): void {
    this.version(ref).enabled = enabled;
  }

  expireKey(ref: KeyRef): void {
    this.version(ref).expires = nowSeconds() - 60;
  }

  /** Soft-deletes a key, as the customer deleting it in the portal. */
  deleteKey(ref: KeyRef): void {
    const vault = this.vault(ref.vault);
    const key = vault.keys.get(ref.key.toLowerCase());
    if (!key) throw new Error(`Key ${ref.vault}/${ref.key} not found`);
    vault.keys.delete(ref.key.toLowerCase());
    key.deletedDate = nowSeconds();
    key.scheduledPurgeDate = key.deletedDate + vault.softDeleteRetentionInDays * 86400;
    vault.deletedKeys.set(ref.key.toLowerCase(), key);
  }

  /** Removes role assignments matching the given fields; returns how many went. */
  removeRoleAssignments(match: { principalId?: string; roleDefinitionId?: string; scope?: string }): number {
    const doomed = this.state.roleAssignments.values().filter((ra) => (!match.principalId || ra.principalId === match.principalId)
      && (!match.roleDefinitionId || ra.roleDefinitionId === match.roleDefinitionId)
      && (!match.scope || ra.scope.toLowerCase() === match.scope.toLowerCase()));
    for (const ra of doomed) this.state.roleAssignments.delete(ra.id);
    return doomed.length;
  }

  /** Removes a Managed HSM pool's local role assignments for a principal, as the customer revoking access; returns how many went. */
  removeHsmRoleAssignments(hsmName: string, principalId: string): number {
    const hsm = this.state.hsmByName(hsmName);
    if (!hsm) throw new Error(`Managed HSM ${hsmName} not found`);
    const doomed = [...hsm.roleAssignments.values()].filter((ra) => ra.principalId === principalId);
    for (const ra of doomed) hsm.roleAssignments.delete(ra.name);
    return doomed.length;
  }

  /** Runs due automatic key rotation steps now instead of waiting for rotationDelayMs. */
  tick(): number {
    const due = [...this.state.pendingRotations];
    for (const id of due) advanceRotation(this.ctx(), id);
    return due.length;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** A vault, or else a Managed HSM pool of that name (key faults apply to both). */
  private vault(name: string) {
    const vault = this.state.vaultByName(name) ?? this.state.hsmByName(name);
    if (!vault) throw new Error(`Vault ${name} not found`);
    return vault;
  }

  private version(ref: KeyRef) {
    const key = this.vault(ref.vault).keys.get(ref.key.toLowerCase());
    const version = key && (ref.version ? key.versions.find((v) => v.version === ref.version) : latestVersion(key));
    if (!version) throw new Error(`Key ${ref.vault}/${ref.key}/${ref.version ?? 'latest'} not found`);
    return version;
  }

  /** A JSON view of the state, for `GET /__sim/state` and debugging. */
  snapshot(): unknown {
    const s = this.state;
    return {
      providerTenantId: s.providerTenantId,
      tenants: [...s.tenants.values()],
      users: [...s.users.values()],
      applications: [...s.applications.values()],
      servicePrincipals: [...s.servicePrincipals.values()],
      delegatedGrants: s.delegatedGrants,
      hostIdentities: [...s.hostIdentities],
      subscriptions: [...s.subscriptions.values()],
      roleAssignments: s.roleAssignments.values(),
      identities: s.identities.values().map((i) => ({ ...i, federatedIdentityCredentials: [...i.federatedIdentityCredentials.values()] })),
      vaults: s.vaults.values().map((v) => ({ ...v, keys: [...v.keys.values()], deletedKeys: [...v.deletedKeys.values()] })),
      diskEncryptionSets: s.diskEncryptionSets.values(),
      disks: s.disks.values(),
      virtualMachines: s.virtualMachines.values(),
      operations: [...s.operations.values()],
      settings: this.ctx().settings,
      faults: this.faults.describe(),
    };
  }

  /** HTTP form of the helpers above: POST /__sim/{action} with a JSON body. */
  handle(req: SimRequest): SimResponse {
    const action = req.path.slice('/__sim/'.length);
    const input = jsonBody<Record<string, unknown>>(req) ?? {};
    const str = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
    const num = (k: string) => (typeof input[k] === 'number' ? (input[k] as number) : undefined);
    const service = () => {
      const s = str('service') as Service | undefined;
      if (!s || !SERVICES.includes(s)) throw new Error(`service must be one of ${SERVICES.join(', ')}`);
      return s;
    };
    const keyRef = (): KeyRef => ({ vault: str('vault') ?? '', key: str('key') ?? '', version: str('version') });
    try {
      if (req.method === 'GET' && action === 'state') return json(200, this.snapshot());
      if (req.method === 'GET' && action === 'health') return json(200, { status: 'ok' });
      if (req.method === 'GET' && action === 'stats') return json(200, { ...this.ctx().stats.snapshot(), armWriteLog: this.ctx().stats.armWriteLog });
      if (req.method !== 'POST') return json(405, { error: 'Use POST for control actions.' });
      switch (action) {
        // A named scenario, or a scenario object.
        case 'reset': this.resetTo(input.scenario === 'provider-empty' ? providerEmptyScenario : input.scenario as Scenario | undefined); break;
        case 'faults/throttle': this.throttle(service(), num('count') ?? 1, num('retryAfterSeconds') ?? 1); break;
        case 'faults/server-error': this.serverError(service(), num('count') ?? 1, num('status') ?? 503); break;
        case 'faults/fail-operations': this.failNextOperations(num('count') ?? 1, str('code'), str('message')); break;
        case 'faults/stall-operations': this.stallNextOperations(num('count') ?? 1); break;
        case 'faults/release-operations': return json(200, { released: this.releaseStalledOperations(str('code') ? { code: str('code') ?? '', message: str('message') ?? '' } : undefined) });
        case 'faults/deny-consent': this.denyConsent(str('tenantId') ?? '', input.denied !== false); break;
        case 'faults/clear': this.clearFaults(); break;
        case 'settings': return json(200, this.setSettings(input as Partial<SimSettings>));
        case 'arm-throttle': return json(200, this.setArmThrottle(input));
        case 'consent/grant': return json(200, { servicePrincipalId: this.grantConsent(str('appId') ?? '', str('tenantId') ?? '') });
        case 'consent/revoke': return json(200, { removed: this.revokeConsent(str('appId') ?? '', str('tenantId') ?? '') });
        case 'consent/revoke-delegated': return json(200, { removed: this.revokeDelegatedGrants(str('appId') ?? '', str('tenantId') ?? '', str('resource')) });
        case 'apps/access-token-version': this.setAccessTokenVersion(str('appId') ?? '', num('version') === 2 ? 2 : num('version') === 1 ? 1 : null); break;
        case 'faults/require-mfa': this.requireMfa(str('tenantId') ?? '', input.required !== false); break;
        case 'msi/host-identities': this.setHostIdentities(Array.isArray(input.clientIds) ? input.clientIds.filter((c): c is string => typeof c === 'string') : []); break;
        case 'vaults/firewall': this.setVaultFirewall(str('vault') ?? '', str('defaultAction') === 'Deny' ? 'Deny' : 'Allow'); break;
        case 'keys/disable': this.setKeyEnabled(keyRef(), false); break;
        case 'keys/enable': this.setKeyEnabled(keyRef(), true); break;
        case 'keys/expire': this.expireKey(keyRef()); break;
        case 'keys/delete': this.deleteKey(keyRef()); break;
        case 'role-assignments/remove': return json(200, { removed: this.removeRoleAssignments({ principalId: str('principalId'), roleDefinitionId: str('roleDefinitionId'), scope: str('scope') }) });
        case 'tick': return json(200, { advanced: this.tick() });
        default: return json(404, { error: `Unknown control action '${action}'.` });
      }
      return json(200, { ok: true });
    } catch (error) {
      return json(400, { error: (error as Error).message });
    }
  }
}
