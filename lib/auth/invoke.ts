import "server-only";
import { headers } from "next/headers";
import { withRequestId } from "../request-context";
import { acceptRequestId, REQUEST_ID_HEADER, shortReference } from "../request-id";
import { rateLimitAction } from "../security/action-guard";
import type { ActionDefinition, ActionResult } from "./actions";
import { currentSession } from "./session";

/**
 * Runs a defined action for the signed-in user of this request (used by the "use server" files), after the
 * per-session and per-IP rate limit. Next.js itself refuses cross-site action calls (Origin vs Host).
 * It runs under the request's id (set by proxy.ts, returned in the response's x-request-id header), so its log
 * lines and the reference on a failure match that header.
 */
export async function invokeAction<Input, Output>(definition: ActionDefinition<Input, Output>, input: unknown): Promise<ActionResult<Output>> {
  const requestId = acceptRequestId((await headers()).get(REQUEST_ID_HEADER));
  return withRequestId(requestId, async () => {
    const refused = await rateLimitAction(definition.name);
    if (refused) return refused.ok ? refused : { ok: false, error: { ...refused.error, reference: shortReference(requestId) } };
    return definition.run(await currentSession(), input);
  });
}
