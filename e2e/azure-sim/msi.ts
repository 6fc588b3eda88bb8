/**
 * Managed identity endpoint, App Service style (`IDENTITY_ENDPOINT` + `X-IDENTITY-HEADER`): issues tokens only for
 * the user-assigned identities attached to the calling host (`state.hostIdentities`), for any resource.
 */
import { randomUUID } from 'node:crypto';
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
  const attached = ctx.state.identities.values().filter((i) => ctx.state.hostIdentities.has(i.clientId));
  const clientId = q.get('client_id');
  const resourceId = q.get('mi_res_id') ?? q.get('msi_res_id');
  const objectId = q.get('object_id') ?? q.get('principal_id');
  // No id asks for the host's system-assigned identity, which the simulated host does not have.
  const identity = attached.find((i) => (clientId && i.clientId === clientId) || (resourceId && i.id.toLowerCase() === resourceId.toLowerCase())
    || (objectId && i.principalId === objectId));
  if (!identity) {
    // App Service's own answer for an identity that is not attached to the app (not the OAuth error shape).
    return json(400, { statusCode: 400, message: 'Unable to load the proper Managed Identity.', correlationId: randomUUID() });
  }
  const issued = entra.managedIdentityToken(identity, resource);
  return json(200, { access_token: issued.token, expires_on: String(issued.exp), resource, token_type: 'Bearer', client_id: identity.clientId });
}
