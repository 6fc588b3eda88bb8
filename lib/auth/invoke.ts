import "server-only";
import type { ActionDefinition, ActionResult } from "./actions";
import { currentSession } from "./session";

/** Runs a defined action for the signed-in user of this request (used by the "use server" files). */
export async function invokeAction<Input, Output>(definition: ActionDefinition<Input, Output>, input: unknown): Promise<ActionResult<Output>> {
  return definition.run(await currentSession(), input);
}
