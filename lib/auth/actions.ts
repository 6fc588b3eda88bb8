// Every server action is defined here-through: input parsed with zod, area and role checked on the server
// against the session (never the input), errors made safe for the browser. The registry lets a test prove
// that every action keeps tenants apart.
import { z } from "zod";
import { db as defaultDb, type Db } from "../db/client";
import { AppError, toPublicError, type PublicError } from "../errors";
import { logger } from "../logger";
import { currentRequestId, withRequestId } from "../request-context";
import { acceptRequestId, shortReference } from "../request-id";
import { recordDeniedAudit } from "../audit/denied";
import { CUSTOMER_ADMIN_ROLE, hasAnyRole, type CustomerRoleName, type StaffRoleName } from "./roles";
import type { SessionUser } from "./session-store";
import { stepUpProblem } from "./step-up";
import { inSpan, SpanStatusCode } from "../telemetry/spans";

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: PublicError };
export type ActionContext = { user: SessionUser; db: Db; requestId: string };

type Audience = { kind: "customer"; roles: readonly CustomerRoleName[] } | { kind: "staff"; roles: readonly StaffRoleName[] };

/**
 * `stepUp`: the action also needs a fresh interactive sign-in (lib/auth/step-up.ts). A function decides per input,
 * e.g. only a rotation to a new key URL, not one to the newest version of the same key.
 */
export type ActionOptions<Input> = { stepUp?: boolean | ((input: Input) => boolean) };

export type ActionDefinition<Input, Output> = {
  name: string;
  audience: Audience;
  /** Whether some or all inputs need a fresh sign-in. */
  stepUp: boolean;
  /**
   * Runs the action as part of the current request (lib/request-context.ts; a new id outside one). A failure carries
   * the request's short reference, and one log line with the full id.
   */
  run(session: SessionUser | null, rawInput: unknown, database?: Db): Promise<ActionResult<Output>>;
  /** Type marker for callers. */
  readonly _input?: Input;
};

const registry = new Map<string, ActionDefinition<unknown, unknown>>();

export function registeredActions(): ActionDefinition<unknown, unknown>[] {
  return [...registry.values()];
}

function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.join(".") || "input"] ??= issue.message;
  return fields;
}

function define<S extends z.ZodType, Output>(
  name: string,
  audience: Audience,
  schema: S,
  handler: (ctx: ActionContext, input: z.infer<S>) => Promise<Output>,
  options: ActionOptions<z.infer<S>> = {},
): ActionDefinition<z.infer<S>, Output> {
  if (registry.has(name)) throw new Error(`Server action "${name}" is defined twice`);
  const needsStepUp = (input: z.infer<S>) => (typeof options.stepUp === "function" ? options.stepUp(input) : options.stepUp === true);
  const definition: ActionDefinition<z.infer<S>, Output> = {
    name,
    audience,
    stepUp: options.stepUp !== undefined && options.stepUp !== false,
    async run(session, rawInput, database = defaultDb()) {
      const requestId = currentRequestId() ?? acceptRequestId(undefined);
      return withRequestId(requestId, () => inSpan(`action ${name}`, { attributes: { "cmk.action": name, "cmk.request_id": requestId } }, async (span) => {
        const result = await attempt(session, rawInput, database, requestId);
        if (result.ok) return result;
        span.setAttribute("cmk.error_code", result.error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.code });
        // The failure's log line: support finds it by the reference the person quotes (a prefix of requestId).
        logger.info({ action: name, code: result.error.code, requestId }, "server action failed");
        return { ok: false as const, error: { ...result.error, reference: shortReference(requestId) } };
      }));
    },
  };
  async function attempt(session: SessionUser | null, rawInput: unknown, database: Db, requestId: string): Promise<ActionResult<Output>> {
    if (!session) {
      return { ok: false, error: { code: "UNAUTHENTICATED", message: "Your session has ended.", fix: "Sign in again to continue." } };
    }
    const allowed = session.kind === (audience.kind === "customer" ? "CUSTOMER" : "STAFF") && hasAnyRole(session.roles, audience.roles);
    if (!allowed) {
      // Rate-limited per actor and action (lib/audit/denied.ts): a loop cannot flood the audit log.
      await recordDeniedAudit(database, {
        actorType: session.kind === "STAFF" ? "STAFF" : "CUSTOMER",
        actorId: session.userOid,
        actorTenantId: session.tenantId,
        actorRole: session.roles.join(",") || null,
        action: `${name}.denied`,
        requestId,
      });
      const needed =
        audience.kind === "customer"
          ? session.kind === "CUSTOMER"
            ? `the role ${audience.roles.join(" or ")} on the CMK Portal app in your organization`
            : "an account of the customer's organization"
          : `one of the roles ${audience.roles.join(", ")}`;
      return { ok: false, error: { code: "FORBIDDEN", message: `This action needs ${needed}.`, fix: "Sign in with an account that has it, or ask your administrator." } };
    }
    const parsed = schema.safeParse(rawInput);
    if (!parsed.success) {
      const fields = fieldErrors(parsed.error);
      return { ok: false, error: { code: "VALIDATION_FAILED", message: "Some fields need attention.", fix: Object.values(fields)[0], fields } };
    }
    if (needsStepUp(parsed.data)) {
      const problem = stepUpProblem(session);
      if (problem) return { ok: false, error: toPublicError(problem) };
    }
    try {
      const data = await handler({ user: session, db: database, requestId }, parsed.data);
      return { ok: true, data };
    } catch (error) {
      if (!(error instanceof AppError)) logger.error({ err: error, action: name, requestId }, "server action threw");
      return { ok: false, error: toPublicError(error, shortReference(requestId)) };
    }
  }
  registry.set(name, definition as ActionDefinition<unknown, unknown>);
  return definition;
}

/** A customer action; it changes something, so it needs Customer.Admin unless `roles` says otherwise. */
export function defineCustomerAction<S extends z.ZodType, Output>(
  name: string,
  schema: S,
  handler: (ctx: ActionContext, input: z.infer<S>) => Promise<Output>,
  options: { roles?: readonly CustomerRoleName[] } = {},
) {
  return define(name, { kind: "customer", roles: options.roles ?? [CUSTOMER_ADMIN_ROLE] }, schema, handler);
}

export function defineStaffAction<S extends z.ZodType, Output>(
  name: string,
  roles: readonly StaffRoleName[],
  schema: S,
  handler: (ctx: ActionContext, input: z.infer<S>) => Promise<Output>,
  options: ActionOptions<z.infer<S>> = {},
) {
  return define(name, { kind: "staff", roles }, schema, handler, options);
}
