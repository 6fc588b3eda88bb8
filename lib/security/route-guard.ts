// The one gate in front of every route handler under app/api (health excepted: monitors poll it): cross-site
// refusal for state-changing methods, then the per-session and per-IP rate limit. Route handlers call
// `const refused = await guardRoute(request, bucket); if (refused) return refused;` as their first line.
import "server-only";
import { db as defaultDb, type Db } from "../db/client";
import { serverEnv } from "../env";
import { logger } from "../logger";
import { requestIdOf, shortReference } from "../request-id";
import { SESSION_COOKIE } from "../auth/session";
import { checkRequestOrigin } from "./origin";
import { clientIp, consumeRateLimit, tooManyRequestsMessage, type RateBucket } from "./rate-limit";

const NO_STORE = { "Cache-Control": "no-store" };

function cookieValue(request: Request, name: string): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return null;
}

/** A browser that navigated here (a link, a redirect from Entra) gets a page; scripts get JSON. */
function isNavigation(request: Request): boolean {
  return request.headers.get("sec-fetch-mode") === "navigate" || (request.headers.get("accept") ?? "").includes("text/html");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorResponse(request: Request, status: 403 | 429, title: string, body: { code: "FORBIDDEN" | "RATE_LIMITED"; message: string; fix: string }, extraHeaders: Record<string, string> = {}): Response {
  const headers = { ...NO_STORE, ...extraHeaders };
  if (!isNavigation(request)) return Response.json({ error: { ...body, reference: shortReference(requestIdOf(request)) } }, { status, headers });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · CMK Portal</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#0f172a"><h1 style="font-size:1.5rem">${escapeHtml(title)}</h1><p role="alert">${escapeHtml(body.message)}</p><p>${escapeHtml(body.fix)}</p><p><a href="/">Back to the CMK Portal</a></p></body></html>`;
  return new Response(html, { status, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
}

/** The 429 answer: a Retry-After header, and the same sentence for people and for scripts. */
export function tooManyRequestsResponse(request: Request, retryAfterSeconds: number): Response {
  return errorResponse(
    request,
    429,
    "Too many requests",
    { code: "RATE_LIMITED", message: tooManyRequestsMessage(retryAfterSeconds), fix: "The portal limits how often one session or one network address may call it, to protect the service." },
    { "Retry-After": String(retryAfterSeconds) },
  );
}

/** Refuses cross-site state changes (403) and requests over the rate limit (429); null when the request may proceed. */
export async function guardRoute(request: Request, bucket: RateBucket = "request", database: Db = defaultDb()): Promise<Response | null> {
  const origin = checkRequestOrigin(request, serverEnv().APP_BASE_URL);
  if (!origin.ok) {
    logger.warn({ method: request.method, path: new URL(request.url).pathname, reason: origin.reason, requestId: requestIdOf(request) }, "cross-site request refused");
    return errorResponse(request, 403, "Request refused", {
      code: "FORBIDDEN",
      message: `This request came from another site (${origin.reason}), so it was refused.`,
      fix: "Use the CMK Portal's own pages to do this.",
    });
  }
  const decision = await consumeRateLimit(database, bucket, { ip: clientIp(request.headers), sessionId: cookieValue(request, SESSION_COOKIE) });
  if (decision.allowed) return null;
  logger.warn({ method: request.method, path: new URL(request.url).pathname, bucket, scope: decision.scope, requestId: requestIdOf(request) }, "rate limit reached");
  return tooManyRequestsResponse(request, decision.retryAfterSeconds);
}
