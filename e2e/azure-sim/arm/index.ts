/** ARM at `/arm`: api-version and token checks, the subscription's tenant, then each resource provider. */
import { armWrongTenant, authenticateArm } from '../auth';
import { ARM_AUDIENCES, type SimContext } from '../context';
import type { SimRequest, SimResponse } from '../http';
import { armError, type ArmHandler, type ArmRequest } from './arm';
import { handleAuthorization } from './authorization';
import { handleCompute } from './compute';
import { handleKeyVault } from './keyvault';
import { handleManagedIdentity } from './msi';
import { handleResources } from './resources';

const PROVIDERS: ArmHandler[] = [handleAuthorization, handleKeyVault, handleManagedIdentity, handleCompute, handleResources];

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
  if (segments[0]?.toLowerCase() === 'subscriptions' && segments[1]) {
    const sub = ctx.state.subscriptions.get(segments[1].toLowerCase());
    if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${segments[1]}' could not be found.`);
    if (sub.tenantId !== auth.claims.tid) return armWrongTenant(ctx, auth.claims, sub.tenantId);
  }
  const a: ArmRequest = { ctx, req, method: req.method, path, segments, claims: auth.claims, apiVersion, query: req.url.searchParams };
  for (const provider of PROVIDERS) {
    const response = await provider(a);
    if (response) return response;
  }
  return armError(404, 'InvalidResourceType', `The resource type or operation '${req.method} ${path}' could not be found in the simulator's ARM surface.`);
}
