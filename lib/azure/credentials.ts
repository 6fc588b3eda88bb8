// The identities the portal acts as. Customer-side calls use the signed-in admin's delegated access
// (on-behalf-of); provider-side calls use the provider's user-assigned managed identity, which reaches a
// customer tenant only through the CMK app's federated credential.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { ClientAssertionCredential, ManagedIdentityCredential } from "@azure/identity";
import { ConfidentialClientApplication, type ICachePlugin, type TokenCacheContext } from "@azure/msal-node";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { serverEnv } from "../env";
import { readTokenVault, writeTokenVault, type SessionUser } from "../auth/session-store";
import { ARM_AUDIENCE, VAULT_AUDIENCE, authorityFor, authorityHost, authorityHostName, TOKEN_EXCHANGE_AUDIENCE } from "./endpoints";

let providerIdentity: ManagedIdentityCredential | undefined;

/** The provider's user-assigned managed identity (App Service style endpoint in Azure and in the simulator). */
export function providerManagedIdentity(): TokenCredential {
  providerIdentity ??= new ManagedIdentityCredential({ clientId: serverEnv().PROVIDER_UAMI_CLIENT_ID });
  return providerIdentity;
}

const federatedByTenant = new Map<string, TokenCredential>();

/**
 * The CMK app in a customer's tenant, authenticated with a managed-identity token as federated client
 * assertion: no secret exists anywhere. Works only where the customer consented (service principal exists).
 */
export function customerTenantCredential(customerTenantId: string): TokenCredential {
  let credential = federatedByTenant.get(customerTenantId);
  if (!credential) {
    credential = newCustomerTenantCredential(customerTenantId);
    federatedByTenant.set(customerTenantId, credential);
  }
  return credential;
}

/**
 * The same, without a shared token cache: a cached customer-tenant token stays valid for up to an hour after
 * the customer removes consent, and checks of the key must notice the removal now.
 */
export function newCustomerTenantCredential(customerTenantId: string): TokenCredential {
  return new ClientAssertionCredential(customerTenantId, serverEnv().CMK_APP_CLIENT_ID, managedIdentityAssertion, {
    authorityHost: authorityHost(),
    disableInstanceDiscovery: true,
  });
}

/**
 * A managed-identity token for the token-exchange audience: the client assertion of an app that trusts the
 * provider's identity through a federated credential (the CMK app; the portal app when it has no secret).
 */
export async function managedIdentityAssertion(): Promise<string> {
  const token = await providerManagedIdentity().getToken(`${TOKEN_EXCHANGE_AUDIENCE}/.default`);
  if (!token) throw new AppError("AZURE_ERROR", "The provider's managed identity returned no token.", { fix: "Check the provider readiness page." });
  return token.token;
}

/** Keeps MSAL's token cache in the session row, encrypted; it goes away with the session. */
function sessionCachePlugin(database: Db, idHash: string): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const vault = await readTokenVault(database, idHash);
      if (vault?.msalCache) context.tokenCache.deserialize(vault.msalCache);
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      const vault = await readTokenVault(database, idHash);
      if (vault) await writeTokenVault(database, idHash, { ...vault, msalCache: context.tokenCache.serialize() });
    },
  };
}

/**
 * Why Entra refused an on-behalf-of token, told apart: missing consent and a required interaction (MFA) are not an
 * expired sign-in, and sending the user to sign in again as if it were loops
 * (learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow#error-response-example).
 */
export function onBehalfOfFailure(error: unknown, scopes: string[]): AppError {
  const failure = error as { errorCode?: string; subError?: string; errorNo?: string | number; message?: string };
  const aadsts = String(failure.errorNo ?? /AADSTS(\d+)/.exec(failure.message ?? "")?.[1] ?? "");
  const azureCode = aadsts ? `AADSTS${aadsts}` : failure.errorCode;
  const resource = scopes[0]?.replace(/\/\.default$|\/[^/]+$/, "") ?? "";
  if (failure.subError === "consent_required" || failure.errorCode === "consent_required" || aadsts === "65001") {
    return new AppError("CONSENT_REQUIRED", `Your organization has not consented to the portal ${describeResource(resource)} on your behalf.`, {
      fix: "Sign in again and accept the requested permissions. If your organization does not let users consent, an administrator must grant admin consent: Microsoft Entra admin center → Enterprise applications → CMK Portal → Permissions → Grant admin consent.",
      azureCode,
      cause: error,
    });
  }
  // MFA and similar Conditional Access steps (AADSTS50076/50079): suberrors basic_action/additional_action/message_only.
  if (failure.errorCode === "interaction_required" || ["basic_action", "additional_action", "message_only"].includes(failure.subError ?? "")) {
    return new AppError("INTERACTION_REQUIRED", "Your organization requires an extra sign-in step (such as multifactor authentication) before the portal can act for you in Azure.", {
      fix: "Sign in again and complete the extra step when Microsoft asks for it.",
      azureCode,
      cause: error,
    });
  }
  if (failure.errorCode === "invalid_grant") {
    return new AppError("UNAUTHENTICATED", "Your sign-in has expired.", { fix: "Sign in again to continue.", azureCode, cause: error });
  }
  return new AppError("AZURE_ERROR", "Microsoft Entra ID did not issue a token for your account.", {
    fix: "Sign in again; if it persists, check that your account can access the subscription.",
    azureCode,
    cause: error,
  });
}

function describeResource(resource: string): string {
  if (resource === ARM_AUDIENCE) return "managing Azure resources";
  if (resource === VAULT_AUDIENCE) return "using Key Vault keys";
  return "calling Azure";
}

/**
 * A credential that acts as the signed-in customer admin, via on-behalf-of with @azure/msal-node. The portal app
 * proves itself with PORTAL_CLIENT_SECRET when one is set (demo), otherwise with the provider's managed identity
 * through the app's federated credential: production holds no Entra secret.
 */
export function delegatedCredential(database: Db, user: SessionUser): TokenCredential {
  const env = serverEnv();
  const client = new ConfidentialClientApplication({
    auth: {
      clientId: env.PORTAL_CLIENT_ID,
      ...(env.PORTAL_CLIENT_SECRET ? { clientSecret: env.PORTAL_CLIENT_SECRET } : { clientAssertion: managedIdentityAssertion }),
      authority: authorityFor(user.tenantId),
      knownAuthorities: [authorityHostName()],
    },
    cache: { cachePlugin: sessionCachePlugin(database, user.idHash) },
  });
  return {
    async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
      const vault = await readTokenVault(database, user.idHash);
      if (!vault) throw new AppError("UNAUTHENTICATED", "Your session has ended.", { fix: "Sign in again to continue." });
      try {
        const result = await client.acquireTokenOnBehalfOf({ oboAssertion: vault.apiToken, scopes: [scopes].flat() });
        if (!result?.accessToken || !result.expiresOn) throw new Error("no token");
        return { token: result.accessToken, expiresOnTimestamp: result.expiresOn.getTime() };
      } catch (error) {
        throw onBehalfOfFailure(error, [scopes].flat());
      }
    },
  };
}
