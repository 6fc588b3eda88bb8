/** Shared pieces of the ARM surface: the parsed request, authorization checks, error shapes. */
import type { SimContext } from '../context';
import { jsonBody, serviceError, type SimRequest, type SimResponse } from '../http';
import { isAllowed } from '../rbac';
import type { Claims } from '../tokens';

export interface ArmRequest {
  ctx: SimContext;
  req: SimRequest;
  method: string;
  /** ARM path without the `/arm` prefix, duplicate slashes collapsed. */
  path: string;
  segments: string[];
  claims: Claims;
  apiVersion: string;
  query: URLSearchParams;
}

export type ArmHandler = (a: ArmRequest) => SimResponse | undefined | Promise<SimResponse | undefined>;

export function armError(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): SimResponse {
  return serviceError('arm', status, code, message, headers, extra);
}

export function body<T>(a: ArmRequest): T | undefined {
  return jsonBody<T>(a.req);
}

/** 403 AuthorizationFailed unless an RBAC assignment grants `action` at `scope`. */
export function requireAction(a: ArmRequest, scope: string, action: string): SimResponse | undefined {
  if (isAllowed(a.ctx.state, { principalId: a.claims.oid, resourceId: scope, action, data: false })) return undefined;
  return armError(403, 'AuthorizationFailed', `The client '${a.claims.upn ?? a.claims.oid}' with object id '${a.claims.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
}

export function notFound(type: string, name: string, resourceGroup?: string): SimResponse {
  return armError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${resourceGroup ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

export function resourceGroupNotFound(name: string): SimResponse {
  return armError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
}

export function systemData(createdBy: string, createdAt: string): Record<string, string> {
  return { createdBy, createdByType: 'User', createdAt, lastModifiedBy: createdBy, lastModifiedByType: 'User', lastModifiedAt: createdAt };
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}...` split into its parts (case-insensitive keywords). */
export interface ResourcePath {
  subscriptionId: string;
  resourceGroup?: string;
  provider?: string;
  /** Alternating type/name pairs after the provider namespace. */
  rest: string[];
}

export function parseResourcePath(segments: string[]): ResourcePath | undefined {
  if (segments[0]?.toLowerCase() !== 'subscriptions' || !segments[1]) return undefined;
  const result: ResourcePath = { subscriptionId: segments[1], rest: [] };
  let i = 2;
  if (segments[i]?.toLowerCase() === 'resourcegroups' && segments[i + 1]) {
    result.resourceGroup = segments[i + 1];
    i += 2;
  }
  if (segments[i]?.toLowerCase() === 'providers' && segments[i + 1]) {
    result.provider = segments[i + 1];
    result.rest = segments.slice(i + 2);
  } else if (i < segments.length) {
    result.rest = segments.slice(i);
  }
  return result;
}

export const eq = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();

export function rgId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}
