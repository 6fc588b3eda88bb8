import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { Prisma } from "../db/generated/prisma/client";
import { backoffDelay, classifyAzureError, DEFAULT_BACKOFF, parseRetryAfter, RetryableFailure, retryDecision } from "./azure-errors";

const rest = (statusCode: number, code: string, message = code, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { name: "RestError", statusCode, code, response: { headers: { get: (n: string) => headers[n.toLowerCase()] } } });

describe("classifyAzureError", () => {
  it("429 is retryable and carries Retry-After (seconds or HTTP date)", () => {
    expect(classifyAzureError(rest(429, "SubscriptionRequestsThrottled", "x", { "retry-after": "7" }))).toMatchObject({ kind: "retryable", reason: "throttled", retryAfterMs: 7000, azureCode: "SubscriptionRequestsThrottled" });
    const at = new Date(Date.now() + 30_000).toUTCString();
    const byDate = classifyAzureError(rest(429, "TooManyRequests", "x", { "retry-after": at }));
    expect(byDate.kind === "retryable" && byDate.retryAfterMs).toBeGreaterThan(25_000);
  });

  it("5xx, 408 and network errors are retryable", () => {
    expect(classifyAzureError(rest(503, "ServiceUnavailable"))).toMatchObject({ kind: "retryable", reason: "server" });
    expect(classifyAzureError(rest(408, "RequestTimeout"))).toMatchObject({ kind: "retryable", reason: "server" });
    expect(classifyAzureError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).toMatchObject({ kind: "retryable", reason: "network", azureCode: "ECONNREFUSED" });
    expect(classifyAzureError(Object.assign(new Error("request failed"), { code: "REQUEST_SEND_ERROR" }))).toMatchObject({ kind: "retryable", reason: "network" });
  });

  it("failed long-running operations: transient codes retry, key problems are permanent", () => {
    expect(classifyAzureError(new Error("The long-running operation has failed. InternalOperationError. An internal execution error occurred."))).toMatchObject({ kind: "retryable", azureCode: "InternalOperationError" });
    expect(classifyAzureError(new Error("The long-running operation has failed. KeyDisabled. The key is disabled."))).toMatchObject({ kind: "permanent", cause: "KEY_DISABLED", azureCode: "KeyDisabled" });
  });

  it("KeyVaultAccessForbidden: RBAC means propagation, AADSTS codes and the firewall are permanent", () => {
    expect(classifyAzureError(rest(400, "KeyVaultAccessForbidden", "Unable to access key vault ... Key Vault said: ForbiddenByRbac: Caller is not authorized"))).toMatchObject({ kind: "propagation", cause: "ROLE_REMOVED", azureCode: "KeyVaultAccessForbidden/ForbiddenByRbac" });
    expect(classifyAzureError(rest(400, "KeyVaultAccessForbidden", "Unable to access ... AADSTS700016: Application with identifier was not found in the directory"))).toMatchObject({ kind: "permanent", cause: "CONSENT_REMOVED", azureCode: "KeyVaultAccessForbidden/AADSTS700016" });
    expect(classifyAzureError(rest(400, "KeyVaultAccessForbidden", "Unable to access ... AADSTS700213: No matching federated identity record found"))).toMatchObject({ kind: "permanent", cause: "FIC_MISSING" });
    expect(classifyAzureError(rest(400, "KeyVaultAccessForbidden", "Key Vault said: ForbiddenByFirewall: Client address is not authorized"))).toMatchObject({ kind: "permanent", cause: "VAULT_FIREWALL" });
    expect(classifyAzureError(rest(403, "Forbidden", "x", {}))).toMatchObject({ kind: "propagation" });
  });

  it("token errors from the federated assertion map to consent or FIC problems", () => {
    const tokenError = (text: string) => Object.assign(new Error(text), { name: "AuthenticationError", statusCode: 400 });
    expect(classifyAzureError(tokenError("AADSTS700016: Application with identifier '...' was not found in the directory 'contoso'."))).toMatchObject({ kind: "permanent", cause: "CONSENT_REMOVED", azureCode: "AADSTS700016" });
    expect(classifyAzureError(tokenError("AADSTS70021: No matching federated identity record found for presented assertion."))).toMatchObject({ kind: "permanent", cause: "FIC_MISSING", azureCode: "AADSTS70021" });
    expect(classifyAzureError(tokenError("AADSTS700212: No matching federated identity record found for presented assertion audience."))).toMatchObject({ kind: "permanent", cause: "FIC_MISSING" });
    expect(classifyAzureError(Object.assign(new Error("temporarily_unavailable AADSTS50196"), { name: "AuthenticationError", statusCode: 503 }))).toMatchObject({ kind: "retryable" });
  });

  it("each permanent DES error keeps its Azure code and names its cause", () => {
    const cases: [string, string][] = [
      ["KeyDisabled", "KEY_DISABLED"], ["KeyExpired", "KEY_EXPIRED"], ["KeyNotFound", "KEY_NOT_FOUND"], ["KeyVaultNotFound", "KEY_NOT_FOUND"],
      ["KeyVaultPurgeProtectionNotEnabled", "PURGE_PROTECTION_DISABLED"], ["KeyVaultRegionMismatch", "REGION_MISMATCH"],
      ["UnsupportedKeyType", "KEY_UNSUPPORTED"], ["AuthorizationFailed", "PROVIDER_PERMISSION"], ["InvalidParameter", "INVALID_REQUEST"],
    ];
    for (const [code, cause] of cases) expect(classifyAzureError(rest(400, code))).toMatchObject({ kind: "permanent", azureCode: code, cause });
    expect(classifyAzureError(rest(400, "SomethingNew"))).toMatchObject({ kind: "permanent", cause: "UNKNOWN_ERROR", azureCode: "SomethingNew" });
  });
});

describe("one classifier for every job's failures", () => {
  const prisma = (code: string, meta: Record<string, unknown> = {}) => new Prisma.PrismaClientKnownRequestError("Invalid invocation", { code, clientVersion: "6.19.3", meta });
  /** As @prisma/adapter-pg reports a pg error it has no Prisma code for (raw queries get P2010). */
  const adapter = (cause: Record<string, unknown>, code = "P2010") => prisma(code, { driverAdapterError: { name: "DriverAdapterError", cause } });

  it("database connection, serialization and deadlock errors are retried, whatever shape they arrive in", () => {
    for (const error of [
      prisma("P1001"), prisma("P1002"), prisma("P1008"), prisma("P1017"), prisma("P2034"),
      adapter({ kind: "postgres", originalCode: "57P01", code: "57P01", severity: "FATAL", message: "terminating connection due to administrator command" }),
      adapter({ kind: "TransactionWriteConflict", originalCode: "40001" }),
      adapter({ kind: "postgres", originalCode: "40P01", code: "40P01" }),
      adapter({ kind: "postgres", originalCode: "08006", code: "08006" }),
      adapter({ kind: "ConnectionClosed" }, "P1017"),
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01", severity: "FATAL" }),
      new Error("Connection terminated unexpectedly"),
    ]) {
      expect(classifyAzureError(error), String((error as { code?: string }).code)).toMatchObject({ kind: "retryable", reason: "database" });
    }
    expect(classifyAzureError(prisma("P1017"))).toMatchObject({ azureCode: "P1017" });
    expect(retryDecision(classifyAzureError(prisma("P1017")), 1, 0)).toMatchObject({ retry: true });
  });

  it("a database error that is not about the connection is not mistaken for one, and still is not an Azure verdict", () => {
    expect(classifyAzureError(adapter({ kind: "UniqueConstraintViolation", originalCode: "23505" }, "P2002"))).toMatchObject({ kind: "retryable", reason: "internal" });
    expect(classifyAzureError(new TypeError("x is undefined"))).toMatchObject({ kind: "retryable", reason: "internal", azureCode: "InternalError" });
    expect(retryDecision(classifyAzureError(new TypeError("x")), DEFAULT_BACKOFF.maxTransientAttempts, 0)).toEqual({ retry: false });
  });

  it("Key Vault's inner error as the SDK deserialises it (innerError) names the cause", () => {
    const kv = (inner: string, message: string) =>
      Object.assign(new Error(message), { name: "RestError", statusCode: 403, code: "Forbidden", details: { error: { code: "Forbidden", message, innerError: { code: inner } } } });
    expect(classifyAzureError(kv("ForbiddenByFirewall", "Client address is not authorized and caller is not a trusted service."))).toMatchObject({ kind: "permanent", cause: "VAULT_FIREWALL" });
    expect(classifyAzureError(kv("ForbiddenByRbac", "Caller is not authorized to perform action on resource."))).toMatchObject({ kind: "propagation", cause: "ROLE_REMOVED" });
  });

  it("our own refusals are final unless they wrap a transient failure; our own transient findings are retried", () => {
    expect(classifyAzureError(new AppError("CONFLICT", "The revocation is rejected, not approved."))).toMatchObject({ kind: "permanent", azureCode: "CONFLICT" });
    expect(classifyAzureError(new AppError("VALIDATION_FAILED", "Key disabled.", { azureCode: "KeyDisabled" }))).toMatchObject({ kind: "permanent", azureCode: "KeyDisabled" });
    expect(classifyAzureError(new AppError("AZURE_ERROR", "Azure could not list the disks.", { cause: rest(503, "ServiceUnavailable") }))).toMatchObject({ kind: "retryable", reason: "server" });
    expect(classifyAzureError(new AppError("AZURE_ERROR", "Could not read.", { cause: prisma("P1001") }))).toMatchObject({ kind: "retryable", reason: "database" });
    expect(classifyAzureError(new RetryableFailure("Throttled", "The key probe was throttled."))).toMatchObject({ kind: "retryable", azureCode: "Throttled" });
  });
});

describe("retry timing", () => {
  it("parses Retry-After forms and ignores garbage", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter("0.5")).toBe(500);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("backs off exponentially with jitter, capped", () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 10_000 };
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, () => 1)).toBe(1000);
    expect(backoffDelay(3, policy, () => 1)).toBe(4000);
    expect(backoffDelay(20, policy, () => 1)).toBe(10_000);
    const samples = new Set(Array.from({ length: 20 }, () => backoffDelay(4, policy)));
    expect(samples.size).toBeGreaterThan(1);
  });

  it("throttling waits as told; propagation retries only within its 10-minute window; permanent never retries", () => {
    const throttled = classifyAzureError(rest(429, "TooManyRequests", "x", { "retry-after": "12" }));
    expect(retryDecision(throttled, 50, 0)).toEqual({ retry: true, delayMs: 12_000 });
    const propagation = classifyAzureError(rest(400, "KeyVaultAccessForbidden", "ForbiddenByRbac"));
    expect(DEFAULT_BACKOFF.propagationWindowMs).toBe(600_000);
    expect(retryDecision(propagation, 3, 60_000)).toMatchObject({ retry: true });
    expect(retryDecision(propagation, 3, 600_001)).toEqual({ retry: false });
    expect(retryDecision(classifyAzureError(rest(400, "KeyDisabled")), 1, 0)).toEqual({ retry: false });
    const server = classifyAzureError(rest(500, "InternalServerError"));
    expect(retryDecision(server, DEFAULT_BACKOFF.maxTransientAttempts - 1, 0)).toMatchObject({ retry: true });
    expect(retryDecision(server, DEFAULT_BACKOFF.maxTransientAttempts, 0)).toEqual({ retry: false });
  });
});
