// One error type for everything a person may see: a stable code, a safe message, and how to fix it.
export type AppErrorCode =
  | "CONFIG_INVALID"
  | "DATABASE_UNREACHABLE"
  | "DATABASE_URL_INVALID"
  | "DATABASE_NOT_LOCAL"
  | "MIGRATION_FAILED"
  | "UNAUTHENTICATED"
  /** Entra has no consent for the portal to call an Azure API on the user's behalf (AADSTS65001): signing in again alone does not help. */
  | "CONSENT_REQUIRED"
  /** Entra wants the user to do something interactively first, e.g. multifactor authentication (AADSTS50076/50079). */
  | "INTERACTION_REQUIRED"
  | "FORBIDDEN"
  /** A destructive action needs a fresh interactive sign-in (auth_time, and acrs where configured): lib/auth/step-up.ts. */
  | "STEP_UP_REQUIRED"
  | "NOT_FOUND"
  | "VALIDATION_FAILED"
  | "CONFLICT"
  /** An /api/v1 Idempotency-Key sent again with a different request (lib/api/idempotency.ts). */
  | "IDEMPOTENCY_KEY_REUSED"
  /** Too many requests in the current rate-limit window (lib/security/rate-limit.ts). */
  | "RATE_LIMITED"
  | "AZURE_ERROR"
  | "INTERNAL";

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Safe to show to the person in front of the screen. */
  readonly safeMessage: string;
  /** What they can do about it. */
  readonly fix?: string;
  /** Azure's own error code, when Azure said no. */
  readonly azureCode?: string;
  /** Per-field messages for forms (field name → what is wrong with it). */
  readonly fields?: Record<string, string>;

  constructor(code: AppErrorCode, safeMessage: string, options: { fix?: string; azureCode?: string; fields?: Record<string, string>; cause?: unknown } = {}) {
    super(safeMessage, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.safeMessage = safeMessage;
    this.fix = options.fix;
    this.azureCode = options.azureCode;
    this.fields = options.fields;
  }

  /** One line for a terminal: what is wrong and how to fix it. */
  toLine(): string {
    return this.fix ? `${this.safeMessage} ${this.fix}` : this.safeMessage;
  }
}

export type PublicError = {
  code: AppErrorCode;
  message: string;
  fix?: string;
  azureCode?: string;
  fields?: Record<string, string>;
  /** The request's short reference (lib/request-id.ts) for the person to quote to support; the log has the full id. */
  reference?: string;
};

/** What may cross to a browser: never raw exception text. `reference`: the request's short reference. */
export function toPublicError(error: unknown, reference?: string): PublicError {
  if (error instanceof AppError) {
    return JSON.parse(JSON.stringify({ code: error.code, message: error.safeMessage, fix: error.fix, azureCode: error.azureCode, fields: error.fields, reference })) as PublicError;
  }
  return {
    code: "INTERNAL",
    message: "Something went wrong on our side.",
    fix: reference ? "Try again; if it keeps happening, contact support with this reference." : "Try again; if it keeps happening, contact support with the time it happened.",
    ...(reference ? { reference } : {}),
  };
}
