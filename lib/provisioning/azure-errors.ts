// What to do about a failure of any job's step (provisioning, health, rotation, revocation, restore): retry
// (and when), wait for role propagation, or stop with a fix. The one classifier of the job engine. Pure: reads
// RestError-like objects (statusCode, code, headers, message, Key Vault's inner error), failed-LRO errors,
// AADSTS codes from federated token requests, and database errors (Prisma with the pg driver adapter, pg).
import { azureFailure } from "../azure/errors";
import type { KeyProbeProblem } from "../azure/key-probe";
import { AppError } from "../errors";
import type { HealthCause } from "../health/causes";

export type AzureErrorClass =
  /**
   * Throttled (429), a 5xx, a network failure, a failed-but-retryable operation, a lost or conflicting database
   * connection, or something unexpected that is not an answer from Azure: try again later.
   */
  | { kind: "retryable"; reason: "throttled" | "server" | "network" | "database" | "internal"; azureCode: string; message: string; retryAfterMs?: number }
  /** The key role was (probably) just assigned and has not reached Key Vault yet: retry within the propagation window. */
  | { kind: "propagation"; azureCode: string; message: string; cause: HealthCause }
  /** Retrying will not help until someone changes something: stop and say what. */
  | { kind: "permanent"; azureCode: string; message: string; cause: HealthCause };

type ErrorLike = {
  name?: string;
  statusCode?: number;
  status?: number;
  code?: string | number;
  errorCode?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined | null } | Record<string, string | undefined> };
  details?: { error?: { code?: string; message?: string } };
  meta?: { driverAdapterError?: { cause?: { kind?: string; code?: string; originalCode?: string } } };
  cause?: unknown;
};

/**
 * A failure we detect ourselves that is worth retrying (e.g. the key probe was throttled or got no answer).
 * Thrown inside a job; the classifier treats it like Azure's own transient errors.
 */
export class RetryableFailure extends Error {
  constructor(readonly azureCode: string, message: string) {
    super(message);
    this.name = "RetryableFailure";
  }
}

/** Key probe results that say nothing about the key itself (throttled, no answer): retry, don't refuse. */
export const TRANSIENT_PROBE_PROBLEMS: ReadonlySet<KeyProbeProblem> = new Set(["THROTTLED", "UNAVAILABLE"]);

/** Prisma's codes for a database that cannot be reached, a dropped connection, a timeout or a write conflict. */
const TRANSIENT_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2034", "P2037"]);
/** The pg driver adapter's error kinds behind those codes. */
const TRANSIENT_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TransactionWriteConflict", "TooManyConnections"]);
/**
 * SQLSTATEs worth a retry: connection exceptions (08xxx), serialization failure and deadlock (40001, 40P01),
 * the server shutting down or terminating the session (57P01-57P03), too many connections (53300).
 */
const TRANSIENT_SQLSTATE = /^(08[0-9A-Z]{3}|40001|40P01|57P0[1-3]|53300)$/;

/** The code of a transient database failure (Prisma code, SQLSTATE or pg message), or undefined. */
export function transientDatabaseCode(input: unknown): string | undefined {
  const error = (input ?? {}) as ErrorLike;
  const code = typeof error.code === "string" ? error.code : undefined;
  const adapter = error.meta?.driverAdapterError?.cause ?? (error.name === "DriverAdapterError" ? (error.cause as { kind?: string; code?: string; originalCode?: string } | undefined) : undefined);
  const sqlState = adapter?.originalCode ?? adapter?.code;
  if (sqlState && TRANSIENT_SQLSTATE.test(sqlState)) return sqlState;
  if (adapter?.kind && TRANSIENT_ADAPTER_KINDS.has(adapter.kind)) return code && code.startsWith("P") ? code : adapter.kind;
  if (code && TRANSIENT_PRISMA_CODES.has(code) && /^Prisma/.test(error.name ?? "")) return code;
  if (error.name === "PrismaClientInitializationError" && error.errorCode && TRANSIENT_PRISMA_CODES.has(error.errorCode)) return error.errorCode;
  // pg itself (pg-boss, raw clients): a SQLSTATE on the error, or the connection dropping under a query.
  if (code && TRANSIENT_SQLSTATE.test(code) && typeof (error as { severity?: unknown }).severity === "string") return code;
  if (/Connection terminated( unexpectedly| due to connection timeout)|Client has encountered a connection error|timeout exceeded when trying to connect/.test(String(error.message ?? ""))) return "ConnectionTerminated";
  return undefined;
}

/** Whether retrying later may help, whatever failed: Azure, the network or the database. */
export function isTransientFailure(error: unknown): boolean {
  return classifyAzureError(error).kind === "retryable";
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "REQUEST_SEND_ERROR"]);

/** Operation failures Azure itself documents as transient ("please retry"). */
const RETRYABLE_OPERATION_CODES = new Set(["InternalOperationError", "InternalExecutionError", "InternalServerError", "ServerTimeout", "OperationPreempted", "RetryableError", "ServiceUnavailable", "GatewayTimeout", "TooManyRequests", "OperationStalled", "Conflict"]);

const PERMANENT_BY_CODE: Record<string, HealthCause> = {
  KeyDisabled: "KEY_DISABLED",
  KeyExpired: "KEY_EXPIRED",
  KeyNotFound: "KEY_NOT_FOUND",
  KeyVaultNotFound: "KEY_NOT_FOUND",
  KeyVaultPurgeProtectionNotEnabled: "PURGE_PROTECTION_DISABLED",
  KeyVaultRegionMismatch: "REGION_MISMATCH",
  UnsupportedKeyType: "KEY_UNSUPPORTED",
  UnsupportedKeySize: "KEY_UNSUPPORTED",
  AuthorizationFailed: "PROVIDER_PERMISSION",
  LinkedAuthorizationFailed: "PROVIDER_PERMISSION",
  InvalidParameter: "INVALID_REQUEST",
  BadRequest: "INVALID_REQUEST",
  LocationRequired: "INVALID_REQUEST",
  ResourceGroupNotFound: "PROVIDER_PERMISSION",
  SubscriptionNotFound: "PROVIDER_PERMISSION",
  InvalidAuthenticationTokenTenant: "PROVIDER_PERMISSION",
  InvalidAuthenticationTokenAudience: "PROVIDER_PERMISSION",
  ForbiddenByFirewall: "VAULT_FIREWALL",
  ForbiddenByConnection: "VAULT_FIREWALL",
};

function header(error: ErrorLike, name: string): string | undefined {
  const headers = error.response?.headers;
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(n: string): string | undefined | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | undefined>;
  return record[name] ?? record[name.toLowerCase()];
}

/** Azure's ids of a failed call, for the log line: what Microsoft support asks for. Empty when the error is not Azure's. */
export type AzureRequestIds = { azureCorrelationRequestId?: string; azureRequestId?: string; azureClientRequestId?: string };

/**
 * Reads `x-ms-correlation-request-id` and `x-ms-request-id` from a RestError's response (non-enumerable, so a plain
 * `err` serializer never shows them) and the client request id the SDK sent; follows `cause` (an AppError wrapping it).
 */
export function azureRequestIds(input: unknown): AzureRequestIds {
  let error = input as (ErrorLike & { request?: { requestId?: string } }) | undefined;
  for (let depth = 0; error && typeof error === "object" && depth < 5; depth += 1, error = error.cause as typeof error) {
    const ids: AzureRequestIds = {
      ...(header(error, "x-ms-correlation-request-id") ? { azureCorrelationRequestId: header(error, "x-ms-correlation-request-id") } : {}),
      ...(header(error, "x-ms-request-id") ? { azureRequestId: header(error, "x-ms-request-id") } : {}),
      ...(typeof error.request?.requestId === "string" ? { azureClientRequestId: error.request.requestId } : {}),
    };
    if (Object.keys(ids).length > 0) return ids;
  }
  return {};
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (also the ms variant ARM sometimes sends). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryAfterOf(error: ErrorLike): number | undefined {
  const ms = header(error, "retry-after-ms") ?? header(error, "x-ms-retry-after-ms");
  if (ms && /^\d+$/.test(ms.trim())) return Number(ms.trim());
  return parseRetryAfter(header(error, "retry-after"));
}

const AADSTS = /AADSTS(\d+)/;

/** The cause hidden in a KeyVaultAccessForbidden message or a token error (AADSTS, inner Key Vault code). */
function causeFromText(text: string): { cause: HealthCause; code?: string; propagation?: boolean } | undefined {
  const aad = AADSTS.exec(text)?.[1];
  if (aad === "700016" || aad === "7000229" || aad === "500011") return { cause: "CONSENT_REMOVED", code: `AADSTS${aad}` };
  if (aad && ["70021", "700211", "700212", "700213", "700222", "700223"].includes(aad)) return { cause: "FIC_MISSING", code: `AADSTS${aad}` };
  if (/ForbiddenByFirewall|ForbiddenByConnection/.test(text)) return { cause: "VAULT_FIREWALL", code: "ForbiddenByFirewall" };
  if (/ForbiddenByRbac/.test(text)) return { cause: "ROLE_REMOVED", code: "ForbiddenByRbac", propagation: true };
  if (/AccessDenied|does not have (keys )?(get|wrap|unwrap)/i.test(text)) return { cause: "ROLE_REMOVED", code: "AccessDenied", propagation: true };
  return undefined;
}

export function classifyAzureError(input: unknown): AzureErrorClass {
  // Our own refusal is final, unless it wraps a transient failure (an ARM 503 while listing disks, say).
  if (input instanceof AppError) {
    const wrapped = input.cause === undefined ? undefined : classifyAzureError(input.cause);
    if (wrapped?.kind === "retryable") return wrapped;
    return { kind: "permanent", azureCode: input.azureCode ?? input.code, message: input.toLine(), cause: "UNKNOWN_ERROR" };
  }
  if (input instanceof RetryableFailure) return { kind: "retryable", reason: "server", azureCode: input.azureCode, message: input.message };
  const database = transientDatabaseCode(input);
  if (database) return { kind: "retryable", reason: "database", azureCode: database, message: "The portal's database connection failed; retrying." };
  const error = (input ?? {}) as ErrorLike;
  const status = error.statusCode ?? error.status;
  const message = String(error.message ?? input);
  const innerCode = azureFailure(input).innerCode;
  const bodyCode = error.details?.error?.code;
  const rawCode = typeof error.code === "string" ? error.code : undefined;
  const lro = /long-running operation has failed\. ([A-Za-z][\w.]*)\./.exec(message)?.[1];
  const code = lro ?? bodyCode ?? rawCode ?? error.errorCode;
  const text = `${innerCode ?? ""} ${code ?? ""} ${message}`;

  // Entra ID token errors (the federated assertion for a customer tenant, or the managed identity).
  if (error.name === "AuthenticationError" || error.name === "CredentialUnavailableError" || (AADSTS.test(message) && code !== "KeyVaultAccessForbidden")) {
    const fromText = causeFromText(text);
    if (fromText && !fromText.propagation) return { kind: "permanent", azureCode: fromText.code ?? code ?? "AuthenticationFailed", message, cause: fromText.cause };
    if (/AADSTS50196|temporarily_unavailable|AADSTS90033|AADSTS50001 |ETIMEDOUT|ECONNRESET/.test(text) || (status !== undefined && status >= 500)) {
      return { kind: "retryable", reason: "server", azureCode: AADSTS.exec(text)?.[0] ?? code ?? "TokenServiceUnavailable", message };
    }
    if (error.name === "CredentialUnavailableError") return { kind: "permanent", azureCode: "ManagedIdentityUnavailable", message, cause: "PROVIDER_PERMISSION" };
  }

  if (status === 429 || code === "TooManyRequests" || code === "SubscriptionRequestsThrottled" || code === "Throttled") {
    return { kind: "retryable", reason: "throttled", azureCode: code ?? "TooManyRequests", message, retryAfterMs: retryAfterOf(error) };
  }
  if (status !== undefined && (status >= 500 || status === 408)) {
    return { kind: "retryable", reason: "server", azureCode: code ?? `HTTP${status}`, message, retryAfterMs: retryAfterOf(error) };
  }
  const networkCode = typeof error.code === "string" && NETWORK_CODES.has(error.code) ? error.code : undefined;
  const causeCode = (error.cause as { code?: string } | undefined)?.code;
  if (networkCode || (causeCode && NETWORK_CODES.has(causeCode)) || (status === undefined && /socket hang up|fetch failed|network|ECONN|ETIMEDOUT/i.test(message) && !lro)) {
    return { kind: "retryable", reason: "network", azureCode: networkCode ?? causeCode ?? "NetworkError", message };
  }
  if (lro && RETRYABLE_OPERATION_CODES.has(lro)) return { kind: "retryable", reason: "server", azureCode: lro, message };

  if (code === "KeyVaultAccessForbidden" || code === "Forbidden" || innerCode === "ForbiddenByRbac" || code === "ForbiddenByRbac" || code === "AccessDenied") {
    const fromText = causeFromText(text);
    if (fromText?.propagation) return { kind: "propagation", azureCode: code === "KeyVaultAccessForbidden" ? `KeyVaultAccessForbidden/${fromText.code}` : (fromText.code ?? code ?? "Forbidden"), message, cause: fromText.cause };
    if (fromText) return { kind: "permanent", azureCode: code === "KeyVaultAccessForbidden" ? `KeyVaultAccessForbidden/${fromText.code}` : (fromText.code ?? code ?? "Forbidden"), message, cause: fromText.cause };
    return { kind: "propagation", azureCode: code ?? "Forbidden", message, cause: "ROLE_REMOVED" };
  }
  const byCode = (innerCode && PERMANENT_BY_CODE[innerCode]) || (code && PERMANENT_BY_CODE[code]);
  if (byCode) return { kind: "permanent", azureCode: innerCode && PERMANENT_BY_CODE[innerCode] ? innerCode : (code ?? "Unknown"), message, cause: byCode };
  if (status === 404 || code === "ResourceNotFound" || code === "NotFound") return { kind: "permanent", azureCode: code ?? "NotFound", message, cause: "KEY_NOT_FOUND" };
  if (status === 401 && (code === "ExpiredAuthenticationToken" || code === "InvalidAuthenticationToken")) {
    return { kind: "retryable", reason: "server", azureCode: code, message };
  }
  const fromText = causeFromText(text);
  if (fromText) return fromText.propagation ? { kind: "propagation", azureCode: fromText.code ?? code ?? "Forbidden", message, cause: fromText.cause } : { kind: "permanent", azureCode: fromText.code ?? code ?? "Unknown", message, cause: fromText.cause };
  // Azure answered with a code we do not know: retrying the same request will get the same answer.
  if (status !== undefined || lro) return { kind: "permanent", azureCode: code ?? `HTTP${status}`, message, cause: "UNKNOWN_ERROR" };
  // Not an answer from Azure at all (a bug, a database error we do not recognise): retry a bounded number of times.
  return { kind: "retryable", reason: "internal", azureCode: "InternalError", message: "The portal hit an internal error; it will retry." };
}

export type BackoffPolicy = {
  /** First retry delay for 5xx/network errors. */
  baseDelayMs: number;
  /** Upper bound of any single backoff delay (Retry-After is honoured even above it). */
  maxDelayMs: number;
  /** Delay between retries while waiting for role propagation. */
  propagationDelayMs: number;
  /** How long after the job started a 403 may still be role propagation. */
  propagationWindowMs: number;
  /** Retries of retryable errors before giving up (throttling excluded: it always waits). */
  maxTransientAttempts: number;
};

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  propagationDelayMs: 30_000,
  propagationWindowMs: 10 * 60_000,
  maxTransientAttempts: 12,
};

/** Exponential backoff with full jitter: a random delay in [base·2^(n-1)/2, base·2^(n-1)], capped. */
export function backoffDelay(attempt: number, policy: Pick<BackoffPolicy, "baseDelayMs" | "maxDelayMs">, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** Whether and when to try again after `attempt` failed with `error`; `elapsedMs` = time since the job's first attempt. */
export function retryDecision(error: AzureErrorClass, attempt: number, elapsedMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): RetryDecision {
  switch (error.kind) {
    case "permanent":
      return { retry: false };
    case "propagation":
      return elapsedMs < policy.propagationWindowMs ? { retry: true, delayMs: Math.min(policy.propagationDelayMs, Math.max(0, policy.propagationWindowMs - elapsedMs)) } : { retry: false };
    case "retryable":
      if (error.reason === "throttled") return { retry: true, delayMs: error.retryAfterMs ?? backoffDelay(attempt, policy, random) };
      if (attempt >= policy.maxTransientAttempts) return { retry: false };
      return { retry: true, delayMs: Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, policy, random)) };
  }
}
