// Azure SDK failures turned into AppErrors a person can act on (Azure's code kept, raw text never shown).
import { AppError } from "../errors";

export type AzureFailure = {
  status?: number;
  /** The most specific code: the inner error's when there is one (ForbiddenByFirewall inside Forbidden). */
  code?: string;
  /** The innermost error code alone, when the body has one. */
  innerCode?: string;
  message: string;
};

type InnerError = { code?: string; innerError?: InnerError; innererror?: InnerError };

/**
 * The innermost code of an error body. The REST body spells it `innererror`; @azure/keyvault-keys deserialises
 * it to `innerError` (models.js `_keyVaultErrorErrorDeserializer`), so both spellings are read.
 */
function innermostCode(error: InnerError | undefined): string | undefined {
  let code: string | undefined;
  for (let inner = error?.innerError ?? error?.innererror; inner; inner = inner.innerError ?? inner.innererror) code = inner.code ?? code;
  return code;
}

/** Reads status/code from a RestError, an msal/identity error, or an Azure error body. */
export function azureFailure(error: unknown): AzureFailure {
  const e = error as { statusCode?: number; status?: number; code?: string; errorCode?: string; message?: string; details?: { error?: InnerError } };
  const innerCode = innermostCode(e.details?.error);
  const code = innerCode ?? e.details?.error?.code ?? e.code ?? e.errorCode ?? /AADSTS\d+/.exec(String(e.message))?.[0];
  return { status: e.statusCode ?? e.status, code, innerCode, message: String(e.message ?? error) };
}

/**
 * The tenant a vault belongs to, when a token request failed because the vault is in another tenant: Key Vault's
 * 401 challenge names the vault's tenant, and @azure/identity refuses a tenant outside the credential's
 * additionallyAllowedTenants with this message (CredentialUnavailableError). Null for any other failure.
 */
export function vaultInOtherTenant(error: unknown): string | null {
  const match = /acquire tokens for tenant ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(String((error as { message?: unknown })?.message ?? ""));
  return match ? match[1]!.toLowerCase() : null;
}

/** Fixes that hold whatever was attempted; callers add their own per code. */
const COMMON_FIXES: Partial<Record<string, string>> = {
  ForbiddenByFirewall: "The key vault's firewall refused the request: in the vault's Networking settings, allow access from your network (or from trusted Microsoft services), then try again.",
  ForbiddenByConnection: "The key vault accepts only private-endpoint connections: allow public access from your network in its Networking settings, then try again.",
};

export function toAzureAppError(error: unknown, what: string, fixes: Partial<Record<string, string>> = {}): AppError {
  if (error instanceof AppError) return error;
  const failure = azureFailure(error);
  const fix = (failure.code && (fixes[failure.code] ?? COMMON_FIXES[failure.code])) ?? (failure.status === 403 ? "Your account lacks the permission for this; ask someone with Owner or the listed role, or use another account." : failure.status === 429 ? "Azure is throttling requests; wait a minute and try again." : "Try again; if it keeps failing, contact support with the time it happened.");
  const message = failure.status === 403 ? `Azure refused to ${what}.` : failure.status === 404 ? `Azure could not find what was needed to ${what}.` : `Azure could not ${what}.`;
  return new AppError("AZURE_ERROR", message, { fix, azureCode: failure.code ?? (failure.status ? `HTTP ${failure.status}` : undefined), cause: error });
}
