/** ARM at `/arm`: api-version and token checks, the subscription's tenant, then each resource provider. */
import { armWrongTenant, authenticateArm } from '../auth';
import { ARM_AUDIENCES, type SimContext } from '../context';
import type { SimRequest, SimResponse } from '../http';
import type { Claims } from '../tokens';
import { armError, type ArmHandler, type ArmRequest } from './arm';
import { handleAuthorization } from './authorization';
import { handleCompute } from './compute';
import { handleKeyVault } from './keyvault';
import { handleManagedHsms } from './managed-hsm';
import { handleManagedIdentity } from './msi';
import { handleResources } from './resources';
import { operationKind } from './throttle';

const PROVIDERS: ArmHandler[] = [handleAuthorization, handleKeyVault, handleManagedHsms, handleManagedIdentity, handleCompute, handleResources];

export async function handleArm(ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  // Role assignment scopes arrive as `/arm//subscriptions/...`; ARM tolerates duplicate slashes.
  const path = req.path.slice('/arm'.length).replace(/\/{2,}/g, '/').replace(/\/$/, '') || '/';
  const apiVersion = req.url.searchParams.get('api-version');
  if (!apiVersion) {
    return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  }
  const auth = authenticateArm(ctx, req, ARM_AUDIENCES);
  if (!auth.ok) return auth.response;
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  // ARM throttles before the resource provider sees the request: per subscription (or tenant), principal and kind.
  const kind = operationKind(req.method);
  const subscriptionScoped = segments[0]?.toLowerCase() === 'subscriptions' && Boolean(segments[1]);
  const scope = subscriptionScoped ? `subscription:${segments[1]}` : `tenant:${auth.claims.tid}`;
  const decision = ctx.armThrottle.take(scope, auth.claims.oid, kind);
  const remainingHeader = `x-ms-ratelimit-remaining-${subscriptionScoped ? 'subscription' : 'tenant'}-${kind}`;
  if (!decision.allowed) {
    ctx.stats.armThrottled += 1;
    if (kind !== 'reads') ctx.stats.recordArmWrite({ at: Date.now(), method: req.method, path, status: 429, retryAfterSeconds: decision.retryAfterSeconds });
    const verb = kind === 'reads' ? 'read' : kind === 'writes' ? 'write' : 'delete';
    const target = subscriptionScoped ? `subscription '${segments[1]}'` : `tenant '${auth.claims.tid}'`;
    return armError(429, subscriptionScoped ? 'SubscriptionRequestsThrottled' : 'TenantRequestsThrottled',
      `Number of '${verb}' requests for ${target} actor '${auth.claims.oid}' exceeded. Please try again after '${decision.retryAfterSeconds}' seconds after the additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
      {}, { 'retry-after': String(decision.retryAfterSeconds), [remainingHeader]: '0' });
  }
  if (kind === 'reads' && /\/(DiskOperations|operations|operationResults)\/[^/]+$/i.test(path) && /\/locations\//i.test(path)) ctx.stats.lroPolls += 1;
  else if (kind === 'reads') ctx.stats.armReads += 1;
  else if (kind === 'writes') ctx.stats.armWrites += 1;
  else ctx.stats.armDeletes += 1;
  const at = Date.now();
  const response = await routeArm(ctx, req, path, segments, auth.claims, apiVersion);
  if (kind !== 'reads') ctx.stats.recordArmWrite({ at, method: req.method, path, status: response.status });
  return { ...response, headers: { ...response.headers, [remainingHeader]: String(decision.remaining) } };
}

async function routeArm(ctx: SimContext, req: SimRequest, path: string, segments: string[], claims: Claims, apiVersion: string): Promise<SimResponse> {
  if (segments[0]?.toLowerCase() === 'subscriptions' && segments[1]) {
    const sub = ctx.state.subscriptions.get(segments[1].toLowerCase());
    if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${segments[1]}' could not be found.`);
    if (sub.tenantId !== claims.tid) return armWrongTenant(ctx, claims, sub.tenantId);
  }
  const a: ArmRequest = { ctx, req, method: req.method, path, segments, claims, apiVersion, query: req.url.searchParams };
  for (const provider of PROVIDERS) {
    const response = await provider(a);
    if (response) return response;
  }
  return armError(404, 'InvalidResourceType', `The resource type or operation '${req.method} ${path}' could not be found in the simulator's ARM surface.`);
}
