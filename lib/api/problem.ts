// /api/v1 errors as RFC 9457 problem details (https://www.rfc-editor.org/rfc/rfc9457), built from the same PublicError
// (code, message, fix) the UI shows; `reference` is the request id's short form, as on every error page.
import type { AppErrorCode, PublicError } from "../errors";
import { logger } from "../logger";
import { shortReference } from "../request-id";

const STATUS: Record<AppErrorCode, number> = {
  CONFIG_INVALID: 503,
  DATABASE_UNREACHABLE: 503,
  DATABASE_URL_INVALID: 503,
  DATABASE_NOT_LOCAL: 503,
  MIGRATION_FAILED: 503,
  UNAUTHENTICATED: 401,
  CONSENT_REQUIRED: 409,
  INTERACTION_REQUIRED: 403,
  FORBIDDEN: 403,
  STEP_UP_REQUIRED: 403,
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  AZURE_ERROR: 502,
  INTERNAL: 500,
};

const TITLE: Record<AppErrorCode, string> = {
  CONFIG_INVALID: "The portal is misconfigured",
  DATABASE_UNREACHABLE: "The portal's database is unreachable",
  DATABASE_URL_INVALID: "The portal is misconfigured",
  DATABASE_NOT_LOCAL: "The portal is misconfigured",
  MIGRATION_FAILED: "The portal's database is not ready",
  UNAUTHENTICATED: "Authentication required",
  CONSENT_REQUIRED: "Consent required",
  INTERACTION_REQUIRED: "Interactive sign-in required",
  FORBIDDEN: "Forbidden",
  STEP_UP_REQUIRED: "Fresh sign-in required",
  NOT_FOUND: "Not found",
  VALIDATION_FAILED: "Invalid request",
  CONFLICT: "Conflict with the current state",
  IDEMPOTENCY_KEY_REUSED: "Idempotency-Key reused with another request",
  RATE_LIMITED: "Too many requests",
  AZURE_ERROR: "Azure refused or failed",
  INTERNAL: "Internal error",
};

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function statusFor(code: AppErrorCode): number {
  return STATUS[code];
}

export function problemType(code: AppErrorCode): string {
  return `urn:cmk-portal:problem:${code.toLowerCase().replaceAll("_", "-")}`;
}

export function problemBody(error: PublicError, requestId: string) {
  return JSON.parse(
    JSON.stringify({
      type: problemType(error.code),
      title: TITLE[error.code],
      status: STATUS[error.code],
      detail: error.message,
      code: error.code,
      fix: error.fix,
      reference: shortReference(requestId),
      azureCode: error.azureCode,
      fields: error.fields,
    }),
  ) as Record<string, unknown>;
}

export function problemResponse(request: Request, error: PublicError, requestId: string, headers: Record<string, string> = {}): Response {
  const body = problemBody(error, requestId);
  logger.info({ code: error.code, status: body.status, method: request.method, path: new URL(request.url).pathname, requestId }, "api request refused");
  return new Response(JSON.stringify(body), { status: STATUS[error.code], headers: { "Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store", ...headers } });
}
