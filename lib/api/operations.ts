// Every /api/v1 operation, once: its path, who it is for, the registered action it runs, and the zod schemas of its
// parameters, body and response. The route handlers (app/api/v1/…) and the OpenAPI document are both built from it.
import type { z } from "zod";
import type { ActionDefinition } from "../auth/actions";
import { rotateKeyAction } from "../support/actions";
import { listTenantsApiAction, readOnboardingApiAction, readStatusApiAction, readTenantApiAction, submitKeyApiAction } from "./actions";
import { onboardingResponse, rotateBody, rotateResponse, statusResponse, submitKeyBody, submitKeyResponse, tenantDetailResponse, tenantListQuery, tenantListResponse, tenantPath } from "./schemas";

type Parts = { query: Record<string, unknown>; params: Record<string, unknown>; body: Record<string, unknown> };

export type ApiOperation = {
  operationId: string;
  method: "get" | "post";
  /** OpenAPI path template, e.g. /api/v1/tenants/{customerTenantId}. */
  path: string;
  summary: string;
  description: string;
  audience: "customer" | "staff";
  /** Who may call it, as the action's roles say (shown in the document). */
  roles: readonly string[];
  action: ActionDefinition<never, unknown> | ActionDefinition<unknown, unknown>;
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: z.ZodObject;
  /** The action's input from the parsed parts. */
  input(parts: Parts): unknown;
  success: { status: 200 | 202; description: string; schema: z.ZodType };
  /** Problem statuses this operation can answer besides 401, 403 and 429 (documented for every operation). */
  problems: number[];
};

function roles(action: { audience: { roles: readonly string[] } }): readonly string[] {
  return action.audience.roles;
}

export const OPERATIONS = {
  readOnboarding: {
    operationId: "getOnboarding",
    method: "get",
    path: "/api/v1/onboarding",
    summary: "Your organization's onboarding state",
    description: "Consent, the current step and the key chosen so far, for the caller's own tenant (from the token).",
    audience: "customer",
    roles: roles(readOnboardingApiAction),
    action: readOnboardingApiAction,
    input: () => ({}),
    success: { status: 200, description: "The onboarding state.", schema: onboardingResponse },
    problems: [404],
  },
  submitKey: {
    operationId: "submitKey",
    method: "post",
    path: "/api/v1/onboarding/key",
    summary: "Submit a key URL: verify it and provision the disk encryption set",
    description:
      "After consent and the role assignment on the key (in a Managed HSM: the pool's local role at /keys/{name}), the provider's app proves it can read, wrap and unwrap with the key, the key is checked as in the wizard (RSA or, in a Managed HSM, RSA-HSM 2048–4096, enabled, not expiring soon, purge protection on), and creation of the disk encryption set is queued in the key's region. Poll GET /api/v1/status until it is SUCCEEDED. Send an Idempotency-Key to retry safely.",
    audience: "customer",
    roles: roles(submitKeyApiAction),
    action: submitKeyApiAction,
    body: submitKeyBody,
    input: ({ body }) => body,
    success: { status: 202, description: "Verified; provisioning is queued.", schema: submitKeyResponse },
    problems: [400, 404, 409, 422, 502],
  },
  readStatus: {
    operationId: "getStatus",
    method: "get",
    path: "/api/v1/status",
    summary: "Your disk encryption sets and key health",
    description: "Provisioning state and health of each disk encryption set of the caller's tenant.",
    audience: "customer",
    roles: roles(readStatusApiAction),
    action: readStatusApiAction,
    input: () => ({}),
    success: { status: 200, description: "The status.", schema: statusResponse },
    problems: [404],
  },
  listTenants: {
    operationId: "listTenants",
    method: "get",
    path: "/api/v1/tenants",
    summary: "Customer tenants (operator console list)",
    description: "The operator dashboard's list: search and paging.",
    audience: "staff",
    roles: roles(listTenantsApiAction),
    action: listTenantsApiAction,
    query: tenantListQuery,
    input: ({ query }) => query,
    success: { status: 200, description: "One page of tenants.", schema: tenantListResponse },
    problems: [400],
  },
  readTenant: {
    operationId: "getTenant",
    method: "get",
    path: "/api/v1/tenants/{customerTenantId}",
    summary: "One customer tenant (operator console detail)",
    description: "The tenant, its onboarding step and its disk encryption sets.",
    audience: "staff",
    roles: roles(readTenantApiAction),
    action: readTenantApiAction,
    params: tenantPath,
    input: ({ params }) => params,
    success: { status: 200, description: "The tenant.", schema: tenantDetailResponse },
    problems: [400, 404],
  },
  rotateKey: {
    operationId: "rotateKey",
    method: "post",
    path: "/api/v1/tenants/{customerTenantId}/rotate",
    summary: "Rotate a disk encryption set's key (support console)",
    description:
      "Queues a rotation to the key's newest version (or, with keyUrl and a fresh interactive sign-in, to another key), after the same checks as the console. Send an Idempotency-Key to retry safely.",
    audience: "staff",
    roles: roles(rotateKeyAction),
    action: rotateKeyAction,
    params: tenantPath,
    body: rotateBody,
    input: ({ params, body }) => ({ ...body, customerTenantId: params.customerTenantId }),
    success: { status: 200, description: "Accepted with its job, or refused with the failing checks.", schema: rotateResponse },
    problems: [400, 404, 409, 422, 502],
  },
} as const satisfies Record<string, ApiOperation>;

export const ALL_OPERATIONS: ApiOperation[] = Object.values(OPERATIONS);
