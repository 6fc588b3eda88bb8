// Every kind of job the worker runs. A new kind (e.g. ROTATE_KEY, REVOKE, RESTORE) = one handler file + one line here.
import type { JobKind } from "../db/generated/prisma/enums";
import { healthCheckHandler } from "../health/health-check-job";
import { offboardHandler } from "../offboarding/offboard-job";
import { verifyKeyHandler } from "../onboarding/verify-key-job";
import { provisionDesHandler } from "../provisioning/provision-des-job";
import { restoreHandler } from "../support/handlers/restore";
import { revokeHandler } from "../support/handlers/revoke";
import { rotateKeyHandler } from "../support/handlers/rotate-key";
import type { JobHandler } from "./types";

const HANDLERS: JobHandler[] = [provisionDesHandler, healthCheckHandler, rotateKeyHandler, revokeHandler, restoreHandler, offboardHandler, verifyKeyHandler];

export function registeredHandlers(): readonly JobHandler[] {
  return HANDLERS;
}

export function handlerFor(kind: JobKind): JobHandler {
  const handler = HANDLERS.find((h) => h.kind === kind);
  if (!handler) throw new Error(`No handler registered for job kind ${kind}.`);
  return handler;
}
