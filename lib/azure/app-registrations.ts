// App registrations in Microsoft Graph (applications, their federated credentials and service principals),
// for the provider's one-time set-up. The endpoint and credential are passed in: the set-up runs before the
// app's own environment exists.
import type { TokenCredential } from "@azure/core-auth";
import type { Client } from "@microsoft/microsoft-graph-client";
import { z } from "zod";
import { graphClientAt } from "./graph";

const scopeSchema = z.object({
  id: z.string(),
  value: z.string().nullish(),
  type: z.string().nullish(),
  adminConsentDisplayName: z.string().nullish(),
  adminConsentDescription: z.string().nullish(),
  userConsentDisplayName: z.string().nullish(),
  userConsentDescription: z.string().nullish(),
  isEnabled: z.boolean().nullish(),
});
const appRoleSchema = z.object({
  id: z.string(),
  value: z.string().nullish(),
  displayName: z.string().nullish(),
  description: z.string().nullish(),
  allowedMemberTypes: z.array(z.string()).nullish(),
  isEnabled: z.boolean().nullish(),
});
const requiredResourceAccessSchema = z.object({
  resourceAppId: z.string(),
  resourceAccess: z.array(z.object({ id: z.string(), type: z.string() })).nullish(),
});

const optionalClaimSchema = z.object({ name: z.string(), essential: z.boolean().nullish(), source: z.string().nullish(), additionalProperties: z.array(z.string()).nullish() });

const applicationSchema = z.object({
  id: z.string(),
  appId: z.string(),
  displayName: z.string().nullish(),
  signInAudience: z.string().nullish(),
  identifierUris: z.array(z.string()).nullish(),
  api: z.object({ requestedAccessTokenVersion: z.number().nullish(), oauth2PermissionScopes: z.array(scopeSchema).nullish() }).nullish(),
  appRoles: z.array(appRoleSchema).nullish(),
  web: z.object({ redirectUris: z.array(z.string()).nullish() }).nullish(),
  spa: z.object({ redirectUris: z.array(z.string()).nullish() }).nullish(),
  requiredResourceAccess: z.array(requiredResourceAccessSchema).nullish(),
  groupMembershipClaims: z.string().nullish(),
  optionalClaims: z.object({ idToken: z.array(optionalClaimSchema).nullish(), accessToken: z.array(optionalClaimSchema).nullish(), saml2Token: z.array(optionalClaimSchema).nullish() }).nullish(),
});

/** One entry of `optionalClaims.idToken` / `.accessToken` / `.saml2Token`. */
export type OptionalClaim = z.infer<typeof optionalClaimSchema>;

/** An application object, with Graph's optional collections normalised to arrays. */
export type AppRegistration = {
  objectId: string;
  appId: string;
  displayName: string;
  signInAudience: string | null;
  identifierUris: string[];
  requestedAccessTokenVersion: number | null;
  scopes: z.infer<typeof scopeSchema>[];
  appRoles: z.infer<typeof appRoleSchema>[];
  webRedirectUris: string[];
  spaRedirectUris: string[];
  requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  /** `groupMembershipClaims` (None, SecurityGroup, DirectoryRole, ApplicationGroup, All), null when unset. */
  groupMembershipClaims: string | null;
  optionalClaims: { idToken: OptionalClaim[]; accessToken: OptionalClaim[]; saml2Token: OptionalClaim[] };
};

const ficSchema = z.object({ id: z.string(), name: z.string(), issuer: z.string(), subject: z.string(), audiences: z.array(z.string()), description: z.string().nullish() });
export type AppFederatedCredential = z.infer<typeof ficSchema>;

/** The body of POST/PATCH /applications: every property optional, complex ones sent whole. */
export type ApplicationWrite = {
  displayName?: string;
  signInAudience?: string;
  identifierUris?: string[];
  api?: { requestedAccessTokenVersion: number | null; oauth2PermissionScopes: Record<string, unknown>[] };
  appRoles?: Record<string, unknown>[];
  web?: { redirectUris: string[] };
  spa?: { redirectUris: string[] };
  requiredResourceAccess?: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  groupMembershipClaims?: string | null;
  optionalClaims?: { idToken: OptionalClaim[]; accessToken: OptionalClaim[]; saml2Token: OptionalClaim[] };
};

const list = <T extends z.ZodTypeAny>(item: T) => z.object({ value: z.array(item), "@odata.nextLink": z.string().nullish() });

function toRegistration(raw: unknown): AppRegistration {
  const app = applicationSchema.parse(raw);
  return {
    objectId: app.id,
    appId: app.appId,
    displayName: app.displayName ?? "",
    signInAudience: app.signInAudience ?? null,
    identifierUris: app.identifierUris ?? [],
    requestedAccessTokenVersion: app.api?.requestedAccessTokenVersion ?? null,
    scopes: app.api?.oauth2PermissionScopes ?? [],
    appRoles: app.appRoles ?? [],
    webRedirectUris: app.web?.redirectUris ?? [],
    spaRedirectUris: app.spa?.redirectUris ?? [],
    requiredResourceAccess: (app.requiredResourceAccess ?? []).map((r) => ({ resourceAppId: r.resourceAppId, resourceAccess: r.resourceAccess ?? [] })),
    groupMembershipClaims: app.groupMembershipClaims ?? null,
    optionalClaims: { idToken: app.optionalClaims?.idToken ?? [], accessToken: app.optionalClaims?.accessToken ?? [], saml2Token: app.optionalClaims?.saml2Token ?? [] },
  };
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

const odataString = (value: string) => value.replace(/'/g, "''");

export class AppRegistrations {
  private readonly client: Client;

  constructor(graphEndpoint: string, credential: TokenCredential) {
    this.client = graphClientAt(graphEndpoint, credential);
  }

  async byAppId(appId: string): Promise<AppRegistration | null> {
    try {
      return toRegistration(await this.client.api(`/applications(appId='${odataString(appId)}')`).get());
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Every registration in the tenant with exactly this display name (names are not unique in Entra). */
  async byDisplayName(displayName: string): Promise<AppRegistration[]> {
    const found: AppRegistration[] = [];
    let next: string | null | undefined = `/applications?$filter=${encodeURIComponent(`displayName eq '${odataString(displayName)}'`)}`;
    while (next) {
      const page: z.infer<ReturnType<typeof list>> = list(z.unknown()).parse(await this.client.api(next).get());
      found.push(...page.value.map(toRegistration));
      next = page["@odata.nextLink"];
    }
    return found.filter((app) => app.displayName === displayName);
  }

  async create(body: ApplicationWrite): Promise<AppRegistration> {
    return toRegistration(await this.client.api("/applications").post(body));
  }

  async update(objectId: string, patch: ApplicationWrite): Promise<void> {
    await this.client.api(`/applications/${objectId}`).patch(patch);
  }

  async federatedCredentials(objectId: string): Promise<AppFederatedCredential[]> {
    return list(ficSchema).parse(await this.client.api(`/applications/${objectId}/federatedIdentityCredentials`).get()).value;
  }

  async createFederatedCredential(objectId: string, fic: { name: string; issuer: string; subject: string; audiences: string[]; description: string }): Promise<void> {
    await this.client.api(`/applications/${objectId}/federatedIdentityCredentials`).post(fic);
  }

  async updateFederatedCredential(objectId: string, ficId: string, patch: { issuer: string; subject: string; audiences: string[] }): Promise<void> {
    await this.client.api(`/applications/${objectId}/federatedIdentityCredentials/${ficId}`).patch(patch);
  }

  /** The app's service principal in the signed-in tenant, by the `appId` alternate key. */
  async servicePrincipalExists(appId: string): Promise<boolean> {
    try {
      await this.client.api(`/servicePrincipals(appId='${odataString(appId)}')`).select("id").get();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async createServicePrincipal(appId: string): Promise<void> {
    await this.client.api("/servicePrincipals").post({ appId });
  }
}
