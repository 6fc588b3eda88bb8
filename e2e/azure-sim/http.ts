/** Request/response plumbing shared by every service module: handlers are functions from SimRequest to SimResponse. */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SimRequest {
  method: string;
  url: URL;
  /** URL path, not decoded or normalised (Key Vault relies on empty segments such as `/keys/k//wrapkey`). */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The port the request arrived on: each key vault has its own (see index.ts). */
  localPort: number;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings as given (set content-type for HTML). */
  body?: unknown;
}

export type Service = 'entra' | 'arm' | 'graph' | 'keyvault' | 'msi';
export const SERVICES: readonly Service[] = ['entra', 'arm', 'graph', 'keyvault', 'msi'];

export function jsonBody<T>(req: SimRequest): T | undefined {
  if (req.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(req.rawBody.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export function formBody(req: SimRequest): URLSearchParams {
  return new URLSearchParams(req.rawBody.toString('utf8'));
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, body, headers };
}

export function html(status: number, page: string, headers: Record<string, string> = {}): SimResponse {
  return { status, body: page, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } };
}

export function redirect(location: string, headers: Record<string, string> = {}): SimResponse {
  return { status: 302, headers: { location, ...headers } };
}

export function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function bearerToken(req: SimRequest): string | undefined {
  const auth = header(req, 'authorization');
  const match = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return match?.[1];
}

/** The error envelope each Azure service uses. */
export function errorBody(service: Service, code: string, message: string, extra: Record<string, unknown> = {}): unknown {
  switch (service) {
    case 'arm':
      return { error: { code, message, ...extra } };
    case 'keyvault':
      return { error: { code, message, ...extra } };
    case 'graph':
      return { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } };
    case 'entra':
    case 'msi': {
      const aadsts = /^AADSTS(\d+)/.exec(message);
      return { error: code, error_description: message, error_codes: aadsts ? [Number(aadsts[1])] : [], timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
        trace_id: randomUUID(), correlation_id: randomUUID(), ...extra };
    }
  }
}

export function serviceError(service: Service, status: number, code: string, message: string,
  headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): SimResponse {
  return json(status, errorBody(service, code, message, extra), headers);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
