import { serverEnv } from "../env";
import { authorityFor, authorityHostName, DELEGATED_AZURE_SCOPES, portalApiScope } from "../azure/endpoints";

/** What the browser's MSAL needs; built on the server at request time (no build-time configuration). */
export type BrowserAuthConfig = {
  clientId: string;
  customerAuthority: string;
  staffAuthority: string;
  knownAuthority: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  apiScope: string;
  /**
   * Asked for at sign-in besides apiScope (msal `extraScopesToConsent`): Entra shows one consent for the portal API
   * and the Azure APIs it calls on-behalf-of, which fails with AADSTS65001 for anything not consented.
   */
  consentScopes: string[];
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
    consentScopes: [...DELEGATED_AZURE_SCOPES],
  };
}
