// Is the provider's own Azure set-up able to create cross-tenant disk encryption sets? Checked before the
// first DES and shown on the operator dashboard; each failing item says how to fix it.
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { z } from "zod";
import { customerTenantCredential, providerManagedIdentity } from "../azure/credentials";
import { ARM_SCOPE, TOKEN_EXCHANGE_AUDIENCE, issuerFor } from "../azure/endpoints";
import { azureFailure } from "../azure/errors";
import { graphClient } from "../azure/graph";
import { classifyAzureError } from "./azure-errors";
import { serverEnv } from "../env";

/** `transient`: the check could not run because Azure throttled or failed (not a set-up problem). */
export type ReadinessItem = { id: string; title: string; ok: boolean; detail: string; fix?: string; transient?: boolean; azureCode?: string };
export type ReadinessReport = { ok: boolean; checkedAt: Date; items: ReadinessItem[] };

/** Entra allows at most 20 federated identity credentials per application. */
export const MAX_FEDERATED_CREDENTIALS = 20;

const application = z.object({ id: z.string(), appId: z.string(), displayName: z.string().nullish(), signInAudience: z.string().nullish() });
const ficList = z.object({ value: z.array(z.object({ name: z.string(), issuer: z.string(), subject: z.string(), audiences: z.array(z.string()) })) });

function describe(error: unknown): string {
  const failure = azureFailure(error);
  return `${failure.code ?? (failure.status ? `HTTP ${failure.status}` : "error")}: ${failure.message.split("\n")[0]?.slice(0, 300)}`;
}

export async function checkProviderReadiness(): Promise<ReadinessReport> {
  const env = serverEnv();
  const items: ReadinessItem[] = [];
  const appName = env.CMK_APP_DISPLAY_NAME;

  // The UAMI, read through ARM as itself (it needs Reader on its own resource; Contributor on the subscription covers it).
  let uamiPrincipalId: string | undefined;
  let uamiTenantId: string | undefined;
  try {
    const [, , subscriptionId, , resourceGroup, , , , name] = env.PROVIDER_UAMI_RESOURCE_ID.split("/");
    const msi = new ManagedServiceIdentityClient(providerManagedIdentity(), subscriptionId ?? env.PROVIDER_SUBSCRIPTION_ID, { endpoint: env.AZURE_ARM_ENDPOINT, credentialScopes: [ARM_SCOPE] });
    const identity = await msi.userAssignedIdentities.get(resourceGroup ?? "", name ?? "");
    uamiPrincipalId = identity.principalId;
    uamiTenantId = identity.tenantId;
    const clientMatches = identity.clientId?.toLowerCase() === env.PROVIDER_UAMI_CLIENT_ID.toLowerCase();
    items.push({
      id: "uami",
      title: "User-assigned managed identity exists",
      ok: clientMatches,
      detail: clientMatches ? `${name} (principal ${identity.principalId})` : `${name} has client id ${identity.clientId}, but PROVIDER_UAMI_CLIENT_ID is ${env.PROVIDER_UAMI_CLIENT_ID}.`,
      fix: clientMatches ? undefined : "Set PROVIDER_UAMI_CLIENT_ID to the identity's client id (Azure portal → Managed Identities → the identity → Overview).",
    });
  } catch (error) {
    items.push({
      id: "uami",
      title: "User-assigned managed identity exists",
      ok: false,
      detail: `Could not read ${env.PROVIDER_UAMI_RESOURCE_ID}: ${describe(error)}`,
      transient: classifyAzureError(error).kind === "retryable",
      azureCode: classifyAzureError(error).azureCode,
      fix: "Create the identity (az identity create) or correct PROVIDER_UAMI_RESOURCE_ID, and make sure the portal runs with it assigned (IDENTITY_ENDPOINT).",
    });
  }

  // Graph, app-only in the provider tenant, as the CMK app itself through its federated credential
  // (customerTenantCredential(PROVIDER_TENANT_ID)): no other secret or Graph permission for the UAMI is needed, it
  // works against the simulator and in Azure (the app needs Application.Read.All, or owner-based read of itself),
  // and if the FIC is broken the token request fails with the AADSTS code that says exactly that.
  try {
    const graph = graphClient(customerTenantCredential(env.PROVIDER_TENANT_ID));
    const app = application.parse(await graph.api(`/applications(appId='${env.CMK_APP_CLIENT_ID}')`).select("id,appId,displayName,signInAudience").get());
    const multitenant = app.signInAudience === "AzureADMultipleOrgs" || app.signInAudience === "AzureADandPersonalMicrosoftAccount";
    items.push({
      id: "app-multitenant",
      title: "CMK app is multitenant",
      ok: multitenant,
      detail: `${app.displayName ?? appName}: signInAudience ${app.signInAudience ?? "unknown"}`,
      fix: multitenant ? undefined : "In Entra ID → App registrations → the CMK app → Authentication, set supported account types to 'Accounts in any organizational directory (multitenant)'.",
    });
    const fics = ficList.parse(await graph.api(`/applications/${app.id}/federatedIdentityCredentials`).get()).value;
    const expectedIssuer = issuerFor(uamiTenantId ?? env.PROVIDER_TENANT_ID);
    const match = fics.find((f) => f.issuer.replace(/\/+$/, "") === expectedIssuer.replace(/\/+$/, "") && uamiPrincipalId !== undefined && f.subject === uamiPrincipalId && f.audiences.includes(TOKEN_EXCHANGE_AUDIENCE));
    items.push({
      id: "fic-match",
      title: "Federated credential trusts the managed identity",
      ok: Boolean(match),
      detail: match
        ? `${match.name}: issuer ${match.issuer}, subject ${match.subject}, audience ${TOKEN_EXCHANGE_AUDIENCE}`
        : `None of the app's ${fics.length} federated credentials has issuer ${expectedIssuer}, subject ${uamiPrincipalId ?? "(the UAMI's principal id — unknown, see above)"} and audience ${TOKEN_EXCHANGE_AUDIENCE}.`,
      fix: match ? undefined : `Add a federated credential to the CMK app: az ad app federated-credential create --id ${env.CMK_APP_CLIENT_ID} --parameters '{"name":"cmk-uami","issuer":"${expectedIssuer}","subject":"${uamiPrincipalId ?? "<UAMI principal id>"}","audiences":["${TOKEN_EXCHANGE_AUDIENCE}"]}'`,
    });
    items.push({
      id: "fic-count",
      title: `Fewer than ${MAX_FEDERATED_CREDENTIALS} federated credentials on the app`,
      ok: fics.length < MAX_FEDERATED_CREDENTIALS,
      detail: `${fics.length} of ${MAX_FEDERATED_CREDENTIALS} used.`,
      fix: fics.length < MAX_FEDERATED_CREDENTIALS ? undefined : "Remove federated credentials the app no longer needs: Entra allows 20 per application and rotation or a second identity needs a free slot.",
    });
  } catch (error) {
    const failure = azureFailure(error);
    const aadsts = /AADSTS\d+/.exec(failure.message)?.[0];
    const ficBroken = aadsts !== undefined && ["AADSTS70021", "AADSTS700211", "AADSTS700212", "AADSTS700213"].includes(aadsts);
    items.push({
      id: ficBroken ? "fic-match" : "app-multitenant",
      title: ficBroken ? "Federated credential trusts the managed identity" : "CMK app is multitenant",
      ok: false,
      detail: `Could not read the CMK app ${env.CMK_APP_CLIENT_ID} in Microsoft Graph: ${describe(error)}`,
      transient: classifyAzureError(error).kind === "retryable",
      azureCode: classifyAzureError(error).azureCode,
      fix: ficBroken
        ? "Add a federated credential for the managed identity to the CMK app (issuer = the provider tenant's managed-identity issuer, subject = the UAMI's principal id, audience api://AzureADTokenExchange)."
        : "Check CMK_APP_CLIENT_ID and that the CMK app may read its own registration (Graph application permission Application.Read.All with admin consent in the provider tenant).",
    });
  }
  return { ok: items.every((item) => item.ok), checkedAt: new Date(), items };
}
