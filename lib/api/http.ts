// The one wrapper of every /api/v1 route handler: request id, cross-site refusal for POSTs, bearer token → principal,
// per-tenant rate limit, parameter and body validation with the operation's zod schemas, Idempotency-Key on POSTs,
// then the registered action (roles, tenant from the token, audit of denials), and a response shaped by the
// documented schema. Every refusal is application/problem+json (lib/api/problem.ts).
// The rate limit is counted here rather than by lib/security/route-guard.ts: an API caller has no cookie session,
// and its budget belongs to its tenant; the same RateLimitCounter table and upsert (consumeRateLimit) count it.
import "server-only";
import { db as defaultDb, type Db } from "../db/client";
import { AppError, toPublicError, type PublicError } from "../errors";
import { serverEnv } from "../env";
import { logger } from "../logger";
import { withRequestId } from "../request-context";
import { REQUEST_ID_HEADER, requestIdOf } from "../request-id";
import { checkRequestOrigin } from "../security/origin";
import { clientIp, consumeRateLimit, tooManyRequestsMessage } from "../security/rate-limit";
import { IDEMPOTENCY_KEY_HEADER, requestFingerprint, runIdempotently, validIdempotencyKey, type StoredResponse } from "./idempotency";
import type { ApiOperation } from "./operations";
import { authenticateApiRequest } from "./principal";
import { PROBLEM_CONTENT_TYPE, problemBody, problemResponse, statusFor } from "./problem";

function fieldsOf(error: { issues: { path: PropertyKey[]; message: string }[] }, prefix: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[[prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "input"] ??= issue.message;
  return fields;
}

function invalid(fields: Record<string, string>): AppError {
  return new AppError("VALIDATION_FAILED", "Some parameters need attention.", { fix: Object.entries(fields).map(([field, message]) => `${field}: ${message}`)[0], fields });
}

async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  if (!(request.headers.get("content-type") ?? "").toLowerCase().includes("application/json")) {
    throw new AppError("VALIDATION_FAILED", "The request body must be JSON.", { fix: 'Send "Content-Type: application/json".' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError("VALIDATION_FAILED", "The request body is not valid JSON.", { fix: "Check the JSON syntax of the body." });
  }
}

function parsePart(schema: ApiOperation["query"], value: unknown, prefix: string): Record<string, unknown> {
  if (!schema) return {};
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(fieldsOf(parsed.error, prefix));
  return parsed.data as Record<string, unknown>;
}

/** The handler for one operation; `params` are the route's dynamic segments. */
export function apiHandler(operation: ApiOperation, database: () => Db = defaultDb) {
  return async function handle(request: Request, params: Record<string, string> = {}): Promise<Response> {
    const requestId = requestIdOf(request);
    return withRequestId(requestId, async () => {
      const response = await respond(operation, request, params, database(), requestId).catch((error: unknown) => {
        if (!(error instanceof AppError)) logger.error({ err: error, operation: operation.operationId, requestId }, "api handler threw");
        return problemResponse(request, toPublicError(error, requestId.slice(0, 8)), requestId, error instanceof AppError && error.code === "UNAUTHENTICATED" ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : {});
      });
      response.headers.set(REQUEST_ID_HEADER, requestId);
      return response;
    });
  };
}

async function respond(operation: ApiOperation, request: Request, params: Record<string, string>, db: Db, requestId: string): Promise<Response> {
  if (operation.method === "post") {
    const origin = checkRequestOrigin(request, serverEnv().APP_BASE_URL);
    if (!origin.ok) throw new AppError("FORBIDDEN", `This request came from another site (${origin.reason}), so it was refused.`, { fix: "Call the API from your own code, not from another site's page." });
  }
  const principal = await authenticateApiRequest(db, request);
  const decision = await consumeRateLimit(db, "api", { sessionId: `tenant:${principal.tenantId}`, ip: clientIp(request.headers) });
  if (!decision.allowed) {
    const error: PublicError = { code: "RATE_LIMITED", message: tooManyRequestsMessage(decision.retryAfterSeconds), fix: `The portal limits calls per tenant (${serverEnv().RATE_LIMIT_API_PER_TENANT} per ${serverEnv().RATE_LIMIT_WINDOW_SECONDS} s) and per network address; wait for Retry-After.` };
    return problemResponse(request, error, requestId, { "Retry-After": String(decision.retryAfterSeconds) });
  }

  const url = new URL(request.url);
  const query = parsePart(operation.query, Object.fromEntries(url.searchParams), "query");
  const pathParams = parsePart(operation.params, params, "path");
  const rawBody = operation.method === "post" ? await readJsonBody(request) : {};
  const body = parsePart(operation.body, rawBody, "body");

  const run = async (): Promise<StoredResponse> => {
    const result = await operation.action.run(principal, operation.input({ query, params: pathParams, body }), db);
    if (!result.ok) return { status: statusFor(result.error.code), body: problemBody(result.error, requestId) };
    const shaped = operation.success.schema.safeParse(result.data);
    if (!shaped.success) {
      logger.error({ operation: operation.operationId, issues: shaped.error.issues, requestId }, "api response does not match its documented schema");
      throw new Error(`response of ${operation.operationId} does not match its schema`);
    }
    return { status: operation.success.status, body: shaped.data };
  };

  const key = request.headers.get(IDEMPOTENCY_KEY_HEADER);
  let outcome: { response: StoredResponse; replayed: boolean };
  if (operation.method === "post" && key !== null) {
    if (!validIdempotencyKey(key)) throw new AppError("VALIDATION_FAILED", "The Idempotency-Key header is not valid.", { fix: "Send 1–255 visible ASCII characters, e.g. a UUID." });
    const result = await runIdempotently(
      db,
      { callerKey: `${principal.tenantId}|${principal.userOid}`, key, fingerprint: requestFingerprint("POST", url.pathname, rawBody), ttlHours: serverEnv().API_IDEMPOTENCY_TTL_HOURS },
      run,
    );
    outcome = { response: result.response, replayed: result.kind === "replayed" };
  } else {
    outcome = { response: await run(), replayed: false };
  }
  const ok = outcome.response.status < 400;
  return new Response(JSON.stringify(outcome.response.body), {
    status: outcome.response.status,
    headers: {
      "Content-Type": ok ? "application/json" : PROBLEM_CONTENT_TYPE,
      "Cache-Control": "no-store",
      ...(outcome.replayed ? { "Idempotent-Replayed": "true" } : {}),
    },
  });
}
