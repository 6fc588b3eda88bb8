// Where Azure is, derived from the environment (public cloud by default; the simulator in tests and demo).
import { serverEnv } from "../env";

export const ARM_AUDIENCE = "https://management.azure.com";
export const ARM_SCOPE = `${ARM_AUDIENCE}/.default`;
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
export const VAULT_AUDIENCE = "https://vault.azure.net";
export const VAULT_SCOPE = `${VAULT_AUDIENCE}/.default`;
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

/** v1 issuer hosts of the clouds whose authority host differs from it (learn.microsoft.com/entra/identity-platform/access-tokens). */
const V1_ISSUER_HOSTS: Record<string, string> = {
  "login.microsoftonline.com": "https://sts.windows.net",
  "login.chinacloudapi.cn": "https://sts.chinacloudapi.cn",
  "login.partner.microsoftonline.cn": "https://sts.chinacloudapi.cn",
};

/**
 * Entra v1 issuer (`https://sts.windows.net/{tid}/` in the public cloud), bound to the tenant id like the v2 one.
 * An API registration that leaves `requestedAccessTokenVersion` null gets v1 access tokens. Unknown clouds (and the
 * simulator) use the authority host unless AZURE_V1_ISSUER_HOST says otherwise.
 */
export function v1IssuerFor(tenantId: string): string {
  const host = serverEnv().AZURE_V1_ISSUER_HOST ?? V1_ISSUER_HOSTS[authorityHostName()] ?? authorityHost();
  return `${host}/${tenantId}/`;
}

export function jwksUrlFor(tenantId: string): URL {
  return new URL(`${authorityHost()}/${tenantId}/discovery/v2.0/keys`);
}

/** The portal's own API scope: what the browser asks for at sign-in and the server accepts. */
export function portalApiScope(): string {
  return `api://${serverEnv().PORTAL_CLIENT_ID}/access_as_user`;
}

/**
 * Delegated permissions the portal uses on behalf of the signed-in admin (ARM and Key Vault `user_impersonation`).
 * On-behalf-of can only get tokens for what was consented, so sign-in asks consent for them too.
 */
export const DELEGATED_AZURE_SCOPES = [`${ARM_AUDIENCE}/user_impersonation`, `${VAULT_AUDIENCE}/user_impersonation`];
