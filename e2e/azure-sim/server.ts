/** The HTTPS listener: reads requests, applies armed faults, routes by path prefix, writes responses. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleArm } from './arm';
import type { SimContext } from './context';
import type { SimControl } from './control';
import type { EntraService } from './entra';
import { handleGraph } from './graph';
import { handleGraphWrites } from './graph-writes';
import { serviceError, type Service, type SimRequest, type SimResponse } from './http';
import type { KeyVaultService } from './keyvault';
import type { KeyStoreRef } from './state';
import { handleMsi } from './msi';

export interface Services {
  ctx: () => SimContext;
  entra: () => EntraService;
  keyVault: () => KeyVaultService;
  control: SimControl;
  identityHeader: string;
  log: (line: string) => void;
  /** The vault or Managed HSM served on a port other than the main one. */
  vaultForPort: (port: number) => KeyStoreRef | undefined;
}

function serviceFor(path: string): Service {
  if (path === '/arm' || path.startsWith('/arm/')) return 'arm';
  if (path.startsWith('/graph/')) return 'graph';
  if (path.startsWith('/kv/')) return 'keyvault';
  if (path.startsWith('/msi/')) return 'msi';
  return 'entra';
}

const THROTTLE_MESSAGES: Record<Service, [string, string]> = {
  arm: ['SubscriptionRequestsThrottled', "Number of requests for subscription exceeded the limit of the simulator's throttle fault. Please try again after the number of seconds given in the Retry-After header."],
  graph: ['TooManyRequests', 'Too many requests, please retry after the time given in the Retry-After header.'],
  keyvault: ['Throttled', 'Request was not processed because too many requests were received. Reason: simulator throttle fault.'],
  entra: ['temporarily_unavailable', 'AADSTS50196: The server terminated an operation because it encountered a client request loop (throttled).'],
  msi: ['temporarily_unavailable', 'The managed identity endpoint is throttling requests.'],
};

/** A 429 or 5xx from an armed fault, consuming one count of it. */
function faultResponse(ctx: SimContext, service: Service): SimResponse | undefined {
  const throttle = ctx.faults.throttle.get(service);
  if (throttle && throttle.remaining > 0) {
    if (--throttle.remaining === 0) ctx.faults.throttle.delete(service);
    const [code, message] = THROTTLE_MESSAGES[service];
    return serviceError(service, 429, code, message, { 'retry-after': String(throttle.retryAfterSeconds) });
  }
  const failure = ctx.faults.serverErrors.get(service);
  if (failure && failure.remaining > 0) {
    if (--failure.remaining === 0) ctx.faults.serverErrors.delete(service);
    return serviceError(service, failure.status, failure.status === 503 ? 'ServiceUnavailable' : 'InternalServerError',
      'The service is temporarily unavailable (simulator fault). Please retry.');
  }
  return undefined;
}

async function route(services: Services, req: SimRequest): Promise<SimResponse> {
  const ctx = services.ctx();
  const store = services.vaultForPort(req.localPort);
  if (store) return faultResponse(ctx, 'keyvault') ?? services.keyVault().handle(req, store);
  if (req.path.startsWith('/__sim/')) return services.control.handle(req);
  const service = serviceFor(req.path);
  if (service === 'msi' && req.path === '/msi/token') ctx.stats.msiTokens += 1;
  if (service === 'entra' && req.method === 'POST' && req.path.endsWith('/oauth2/v2.0/token')) ctx.stats.entraTokens += 1;
  const fault = faultResponse(ctx, service);
  if (fault) return fault;
  switch (service) {
    case 'arm': return handleArm(ctx, req);
    case 'graph': return handleGraphWrites(ctx, req) ?? handleGraph(ctx, req);
    case 'keyvault': return services.keyVault().handle(req);
    case 'msi':
      return req.path === '/msi/token' ? handleMsi(ctx, services.entra(), services.identityHeader, req)
        : serviceError('msi', 404, 'not_found', `Unknown managed identity path ${req.path}.`);
    default:
      return (await services.entra().handle(req)) ?? serviceError('entra', 404, 'not_found', `The simulator serves nothing at ${req.path}.`);
  }
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  return origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin',
    'access-control-expose-headers': 'www-authenticate, retry-after, x-ms-request-id, client-request-id' } : {};
}

export function requestListener(services: Services) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const started = Date.now();
        const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
        const cors = corsHeaders(req);
        if (req.method === 'OPTIONS') {
          res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
            'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*', 'access-control-max-age': '86400' });
          res.end();
          return;
        }
        const simReq: SimRequest = { method: req.method ?? 'GET', url, path: url.pathname, headers: req.headers, rawBody: Buffer.concat(chunks),
          localPort: req.socket.localPort ?? 0 };
        let response: SimResponse;
        try {
          response = await route(services, simReq);
        } catch (error) {
          response = serviceError(serviceFor(url.pathname), 500, 'InternalServerError', `Simulator error: ${(error as Error).stack ?? String(error)}`);
        }
        const requestId = randomUUID();
        const headers: Record<string, string> = { ...cors, 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': requestId, 'request-id': requestId,
          'cache-control': 'no-store', ...response.headers };
        let payload: string | undefined;
        if (typeof response.body === 'string') payload = response.body;
        else if (response.body !== undefined) {
          payload = JSON.stringify(response.body);
          headers['content-type'] ??= 'application/json; charset=utf-8';
        }
        res.writeHead(response.status, headers);
        res.end(payload);
        services.log(`${req.method} ${url.pathname} → ${response.status} (${Date.now() - started} ms)`);
      })();
    });
  };
}
