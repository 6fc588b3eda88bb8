// Where Azure is, derived from the environment (public cloud by default; the simulator in tests and demo).
import { serverEnv } from "../env";

export const ARM_AUDIENCE = "https://management.azure.com";
export const ARM_SCOPE = `${ARM_AUDIENCE}/.default`;
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
export const VAULT_SCOPE = "https://vault.azure.net/.default";
/** The audience of managed-identity tokens used as federated client assertions. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export function authorityHost(): string {
  return serverEnv().AZURE_AUTHORITY_HOST;
}

/** `host[:port]` of the authority, as MSAL wants it in `knownAuthorities`. */
export function authorityHostName(): string {
  return new URL(authorityHost()).host;
}

export function authorityFor(tenant: string): string {
  return `${authorityHost()}/${tenant}`;
}

/** Entra v2 issuer of tokens from one tenant: bound to that tenant's id, never "common". */
export function issuerFor(tenantId: string): string {
  return `${authorityHost()}/${tenantId}/v2.0`;
}

export function jwksUrlFor(tenantId: string): URL {
  return new URL(`${authorityHost()}/${tenantId}/discovery/v2.0/keys`);
}

/** The portal's own API scope: what the browser asks for at sign-in and the server accepts. */
export function portalApiScope(): string {
  return `api://${serverEnv().PORTAL_CLIENT_ID}/access_as_user`;
}
