// A route handler's refusal as JSON: the safe error with the request's short reference, and one log line holding the
// full request id, so support can find it from what the person quotes.
import type { PublicError } from "./errors";
import { logger } from "./logger";
import { requestIdOf, shortReference } from "./request-id";

export function routeErrorResponse(request: Request, status: number, error: PublicError): Response {
  const requestId = requestIdOf(request);
  logger.info({ code: error.code, status, path: new URL(request.url).pathname, requestId }, "route handler refused");
  return Response.json({ ...error, reference: shortReference(requestId) }, { status, headers: { "Cache-Control": "no-store" } });
}
