// Microsoft Graph through the official client; the endpoint comes from the environment.
import type { TokenCredential } from "@azure/core-auth";
import { Client } from "@microsoft/microsoft-graph-client";
import { z } from "zod";
import { serverEnv } from "../env";
import { GRAPH_SCOPE } from "./endpoints";
import { azureFailure } from "./errors";

export function graphClient(credential: TokenCredential): Client {
  return graphClientAt(serverEnv().AZURE_GRAPH_ENDPOINT, credential);
}

/** A Graph client for an explicit endpoint (the provider set-up command has its own configuration). */
export function graphClientAt(endpoint: string, credential: TokenCredential): Client {
  return Client.initWithMiddleware({
    baseUrl: `${endpoint}/`,
    defaultVersion: "v1.0",
    // The client only sends the Authorization header to hosts it knows as Graph.
    customHosts: new Set([new URL(endpoint).hostname]),
    authProvider: {
      async getAccessToken() {
        const token = await credential.getToken(GRAPH_SCOPE);
        if (!token) throw new Error("No Graph token");
        return token.token;
      },
    },
  });
}

const servicePrincipal = z.object({ id: z.string(), appId: z.string(), displayName: z.string().nullish(), appOwnerOrganizationId: z.string().nullish() });

export type ServicePrincipal = z.infer<typeof servicePrincipal>;

/**
 * The calling app's own service principal in the credential's tenant, or null when there is none (404).
 * An app may read its own service principal without any Graph permission; listing or `$filter` would need
 * Application.Read.All, which the CMK app deliberately does not have.
 */
export async function ownServicePrincipal(credential: TokenCredential, appId: string): Promise<ServicePrincipal | null> {
  try {
    const response = await graphClient(credential)
      .api(`/servicePrincipals(appId='${appId}')`)
      .select("id,appId,displayName,appOwnerOrganizationId")
      .get();
    return servicePrincipal.parse(response);
  } catch (error) {
    if (azureFailure(error).status === 404) return null;
    throw error;
  }
}

const organizationList = z.object({
  value: z.array(z.object({ id: z.string(), displayName: z.string().nullish(), verifiedDomains: z.array(z.object({ name: z.string(), isDefault: z.boolean().nullish() })).nullish() })),
});

export type Organization = { id: string; displayName: string; defaultDomain: string | null };

export async function currentOrganization(credential: TokenCredential): Promise<Organization | null> {
  const response = await graphClient(credential).api("/organization").get();
  const org = organizationList.parse(response).value[0];
  if (!org) return null;
  const defaultDomain = org.verifiedDomains?.find((d) => d.isDefault)?.name ?? org.verifiedDomains?.[0]?.name ?? null;
  return { id: org.id, displayName: org.displayName ?? defaultDomain ?? org.id, defaultDomain };
}
