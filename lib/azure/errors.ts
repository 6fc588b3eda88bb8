// Azure SDK failures turned into AppErrors a person can act on (Azure's code kept, raw text never shown).
import { AppError } from "../errors";

export type AzureFailure = { status?: number; code?: string; message: string };

/** Reads status/code from a RestError, an msal/identity error, or an Azure error body. */
export function azureFailure(error: unknown): AzureFailure {
  const e = error as { statusCode?: number; status?: number; code?: string; errorCode?: string; message?: string; details?: { error?: { code?: string; innererror?: { code?: string } } } };
  const inner = e.details?.error?.innererror?.code;
  const code = inner ?? e.details?.error?.code ?? e.code ?? e.errorCode ?? /AADSTS\d+/.exec(String(e.message))?.[0];
  return { status: e.statusCode ?? e.status, code, message: String(e.message ?? error) };
}

export function toAzureAppError(error: unknown, what: string, fixes: Partial<Record<string, string>> = {}): AppError {
  if (error instanceof AppError) return error;
  const failure = azureFailure(error);
  const fix = (failure.code && fixes[failure.code]) ?? (failure.status === 403 ? "Your account lacks the permission for this; ask someone with Owner or the listed role, or use another account." : failure.status === 429 ? "Azure is throttling requests; wait a minute and try again." : "Try again; if it keeps failing, contact support with the time it happened.");
  const message = failure.status === 403 ? `Azure refused to ${what}.` : failure.status === 404 ? `Azure could not find what was needed to ${what}.` : `Azure could not ${what}.`;
  return new AppError("AZURE_ERROR", message, { fix, azureCode: failure.code ?? (failure.status ? `HTTP ${failure.status}` : undefined), cause: error });
}
