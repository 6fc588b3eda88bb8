import "server-only";
import { rateLimitAction } from "../security/action-guard";
import type { ActionDefinition, ActionResult } from "./actions";
import { currentSession } from "./session";

/**
 * Runs a defined action for the signed-in user of this request (used by the "use server" files), after the
 * per-session and per-IP rate limit. Next.js itself refuses cross-site action calls (Origin vs Host).
 */
export async function invokeAction<Input, Output>(definition: ActionDefinition<Input, Output>, input: unknown): Promise<ActionResult<Output>> {
  const refused = await rateLimitAction(definition.name);
  if (refused) return refused;
  return definition.run(await currentSession(), input);
}
