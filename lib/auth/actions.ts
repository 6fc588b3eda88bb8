// Every server action is defined here-through: input parsed with zod, area and role checked on the server
// against the session (never the input), errors made safe for the browser. The registry lets a test prove
// that every action keeps tenants apart.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db as defaultDb, type Db } from "../db/client";
import { AppError, toPublicError, type PublicError } from "../errors";
import { logger } from "../logger";
import { recordDeniedAudit } from "../audit/denied";
import { hasAnyRole, type StaffRoleName } from "./roles";
import type { SessionUser } from "./session-store";

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: PublicError };
export type ActionContext = { user: SessionUser; db: Db; requestId: string };

type Audience = { kind: "customer" } | { kind: "staff"; roles: readonly StaffRoleName[] };

export type ActionDefinition<Input, Output> = {
  name: string;
  audience: Audience;
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
): ActionDefinition<z.infer<S>, Output> {
  if (registry.has(name)) throw new Error(`Server action "${name}" is defined twice`);
  const definition: ActionDefinition<z.infer<S>, Output> = {
    name,
    audience,
    async run(session, rawInput, database = defaultDb()) {
      const requestId = randomUUID();
      if (!session) {
        return { ok: false, error: { code: "UNAUTHENTICATED", message: "Your session has ended.", fix: "Sign in again to continue." } };
      }
      const allowed =
        audience.kind === "customer" ? session.kind === "CUSTOMER" : session.kind === "STAFF" && hasAnyRole(session.roles, audience.roles);
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
        const needed = audience.kind === "customer" ? "a customer administrator account" : `one of the roles ${audience.roles.join(", ")}`;
        return { ok: false, error: { code: "FORBIDDEN", message: `This action needs ${needed}.`, fix: "Sign in with an account that has it, or ask your administrator." } };
      }
      const parsed = schema.safeParse(rawInput);
      if (!parsed.success) {
        const fields = fieldErrors(parsed.error);
        return { ok: false, error: { code: "VALIDATION_FAILED", message: "Some fields need attention.", fix: Object.values(fields)[0], fields } };
      }
      try {
        const data = await handler({ user: session, db: database, requestId }, parsed.data);
        return { ok: true, data };
      } catch (error) {
        if (!(error instanceof AppError)) logger.error({ err: error, action: name, requestId }, "server action failed");
        return { ok: false, error: toPublicError(error) };
      }
    },
  };
  registry.set(name, definition as ActionDefinition<unknown, unknown>);
  return definition;
}

export function defineCustomerAction<S extends z.ZodType, Output>(name: string, schema: S, handler: (ctx: ActionContext, input: z.infer<S>) => Promise<Output>) {
  return define(name, { kind: "customer" }, schema, handler);
}

export function defineStaffAction<S extends z.ZodType, Output>(
  name: string,
  roles: readonly StaffRoleName[],
  schema: S,
  handler: (ctx: ActionContext, input: z.infer<S>) => Promise<Output>,
) {
  return define(name, { kind: "staff", roles }, schema, handler);
}
