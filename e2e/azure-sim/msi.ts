/**
 * Managed identity endpoint, App Service style (`IDENTITY_ENDPOINT` + `X-IDENTITY-HEADER`):
 * issues tokens for the provider's user-assigned identities, for any resource.
 */
import type { SimContext } from './context';
import type { EntraService } from './entra';
import { header, json, serviceError, type SimRequest, type SimResponse } from './http';

export function handleMsi(ctx: SimContext, entra: EntraService, identityHeader: string, req: SimRequest): SimResponse {
  if (req.method !== 'GET') return serviceError('msi', 405, 'invalid_request', 'Only GET is supported.');
  if (header(req, 'x-identity-header') !== identityHeader) {
    return serviceError('msi', 401, 'invalid_request', 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
  }
  const q = req.url.searchParams;
  const resource = q.get('resource');
  if (!q.get('api-version') || !resource) return serviceError('msi', 400, 'invalid_request', "The 'api-version' and 'resource' query parameters are required.");
  const identities = ctx.state.identities.values().filter((i) => i.tenantId === ctx.state.providerTenantId);
  const clientId = q.get('client_id');
  const resourceId = q.get('mi_res_id') ?? q.get('msi_res_id');
  const objectId = q.get('object_id') ?? q.get('principal_id');
  const identity = identities.find((i) => (clientId && i.clientId === clientId) || (resourceId && i.id.toLowerCase() === resourceId.toLowerCase())
    || (objectId && i.principalId === objectId)) ?? (!clientId && !resourceId && !objectId && identities.length === 1 ? identities[0] : undefined);
  if (!identity) {
    return serviceError('msi', 400, 'invalid_request', `No user-assigned managed identity matches client_id/mi_res_id/object_id '${clientId ?? resourceId ?? objectId ?? ''}' on this host.`);
  }
  const issued = entra.managedIdentityToken(identity, resource);
  return json(200, { access_token: issued.token, expires_on: String(issued.exp), resource, token_type: 'Bearer', client_id: identity.clientId });
}
