// The id of one request, as the user can quote it and support can search for it. Pure: the proxy (any runtime),
// route handlers, server actions and tests all use it.

/** The header that carries the id: on the request (from the platform or the proxy) and on every response. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * What an id from the platform in front of us may look like: letters, digits and dashes, 16 to 64 of them (a UUID
 * fits). Anything else (log-injection attempts, huge values) is replaced by a fresh id.
 */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9-]{15,63}$/;

/** The platform's id when it is sane, else a new random one. */
export function acceptRequestId(incoming: string | null | undefined): string {
  return incoming && ACCEPTED_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/** The short reference a person sees ("Reference: 3f9a2c1b"): the id's first 8 characters, so a prefix search finds it. */
export function shortReference(requestId: string): string {
  return requestId.slice(0, 8);
}

/** The id of a request that reached a route handler (set by proxy.ts; a new one where the proxy did not run). */
export function requestIdOf(request: Request): string {
  return acceptRequestId(request.headers.get(REQUEST_ID_HEADER));
}
