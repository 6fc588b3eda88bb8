import { serverEnv } from "../env";
import { authorityFor, authorityHostName, portalApiScope } from "../azure/endpoints";

/** What the browser's MSAL needs; built on the server at request time (no build-time configuration). */
export type BrowserAuthConfig = {
  clientId: string;
  customerAuthority: string;
  staffAuthority: string;
  knownAuthority: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  apiScope: string;
};

export function browserAuthConfig(): BrowserAuthConfig {
  const env = serverEnv();
  return {
    clientId: env.PORTAL_CLIENT_ID,
    // Customers come from any organization; staff only from the provider's own tenant.
    customerAuthority: authorityFor("organizations"),
    staffAuthority: authorityFor(env.PROVIDER_TENANT_ID),
    knownAuthority: authorityHostName(),
    redirectUri: `${env.APP_BASE_URL}/auth/callback`,
    postLogoutRedirectUri: `${env.APP_BASE_URL}/`,
    apiScope: portalApiScope(),
  };
}
