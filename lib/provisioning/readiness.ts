// Is the provider's own Azure set-up able to create cross-tenant disk encryption sets? Checked before the
// first DES and shown on the operator dashboard; each failing item says how to fix it.
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { z } from "zod";
import { newCustomerTenantCredential, providerManagedIdentity } from "../azure/credentials";
import { ARM_SCOPE, GRAPH_SCOPE, TOKEN_EXCHANGE_AUDIENCE, issuerFor } from "../azure/endpoints";
import { azureFailure } from "../azure/errors";
import { graphClient } from "../azure/graph";
import { classifyAzureError } from "./azure-errors";
import { serverEnv } from "../env";

/**
 * `transient`: the check could not run because Azure throttled or failed (not a set-up problem).
 * `warning`: worth a look but never blocks provisioning (something could not be confirmed, or a limit is near).
 */
export type ReadinessItem = { id: string; title: string; ok: boolean; detail: string; fix?: string; transient?: boolean; azureCode?: string; warning?: boolean };
/** `ok`: nothing blocks provisioning; warnings may still be listed. */
export type ReadinessReport = { ok: boolean; checkedAt: Date; items: ReadinessItem[] };

/** The items that stop provisioning (failed and not a warning). */
export function blockingItems(report: ReadinessReport): ReadinessItem[] {
  return report.items.filter((item) => !item.ok && !item.warning);
}

/** Entra allows at most 20 federated identity credentials per application. */
export const MAX_FEDERATED_CREDENTIALS = 20;

const application = z.object({ id: z.string(), appId: z.string(), displayName: z.string().nullish(), signInAudience: z.string().nullish() });
const ficList = z.object({ value: z.array(z.object({ name: z.string() })) });

const FIC_BROKEN = ["AADSTS70021", "AADSTS700211", "AADSTS700212", "AADSTS700213"];
const MULTITENANT_TITLE = "CMK app is multitenant";
const FIC_MATCH_TITLE = "Federated credential trusts the managed identity";
const FIC_COUNT_TITLE = `Fewer than ${MAX_FEDERATED_CREDENTIALS} federated credentials on the app`;

function describe(error: unknown): string {
  const failure = azureFailure(error);
  return `${failure.code ?? (failure.status ? `HTTP ${failure.status}` : "error")}: ${failure.message.split("\n")[0]?.slice(0, 300)}`;
}

export async function checkProviderReadiness(): Promise<ReadinessReport> {
  const env = serverEnv();
  const items: ReadinessItem[] = [];

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

  items.push(...(await checkCmkApp(uamiPrincipalId, uamiTenantId)));
  const report: ReadinessReport = { ok: true, checkedAt: new Date(), items };
  report.ok = blockingItems(report).length === 0;
  return report;
}

/**
 * The CMK app, as itself, in the provider tenant: a federated token proves the credential trusts the managed identity.
 * Then Graph, app-only, with no Graph permission: the app may read its own application object (its sign-in audience)
 * but listing its federated credentials needs Application.Read.All, so a refusal there leaves the count unknown.
 * Neither Graph read can block provisioning: the token exchange is what provisioning needs.
 */
async function checkCmkApp(uamiPrincipalId: string | undefined, uamiTenantId: string | undefined): Promise<ReadinessItem[]> {
  const env = serverEnv();
  const appName = env.CMK_APP_DISPLAY_NAME;
  const expectedIssuer = issuerFor(uamiTenantId ?? env.PROVIDER_TENANT_ID);
  // A fresh credential: a cached token would hide a federated credential removed within the last hour.
  const credential = newCustomerTenantCredential(env.PROVIDER_TENANT_ID);
  try {
    await credential.getToken(GRAPH_SCOPE);
  } catch (error) {
    const aadsts = /AADSTS\d+/.exec(azureFailure(error).message)?.[0];
    const ficBroken = aadsts !== undefined && FIC_BROKEN.includes(aadsts);
    const classified = classifyAzureError(error);
    return [{
      id: "fic-match",
      title: FIC_MATCH_TITLE,
      ok: false,
      detail: `The managed identity could not sign in as the CMK app ${env.CMK_APP_CLIENT_ID}: ${describe(error)}`,
      transient: classified.kind === "retryable",
      azureCode: classified.azureCode,
      fix: ficBroken
        ? `Add a federated credential to the CMK app: az ad app federated-credential create --id ${env.CMK_APP_CLIENT_ID} --parameters '{"name":"cmk-uami","issuer":"${expectedIssuer}","subject":"${uamiPrincipalId ?? "<UAMI principal id>"}","audiences":["${TOKEN_EXCHANGE_AUDIENCE}"]}'`
        : "Check CMK_APP_CLIENT_ID, and that the CMK app is registered in the provider tenant (PROVIDER_TENANT_ID) with its enterprise application.",
    }];
  }
  const items: ReadinessItem[] = [];
  const graph = graphClient(credential);
  let applicationId: string | undefined;
  try {
    const app = application.parse(await graph.api(`/applications(appId='${env.CMK_APP_CLIENT_ID}')`).select("id,appId,displayName,signInAudience").get());
    applicationId = app.id;
    const multitenant = app.signInAudience === "AzureADMultipleOrgs" || app.signInAudience === "AzureADandPersonalMicrosoftAccount";
    items.push({
      id: "app-multitenant",
      title: MULTITENANT_TITLE,
      ok: multitenant,
      detail: `${app.displayName ?? appName}: signInAudience ${app.signInAudience ?? "unknown"}`,
      fix: multitenant ? undefined : "In Entra ID → App registrations → the CMK app → Authentication, set supported account types to 'Accounts in any organizational directory (multitenant)'.",
    });
  } catch (error) {
    items.push({
      id: "app-multitenant",
      title: MULTITENANT_TITLE,
      ok: false,
      warning: true,
      detail: `Unknown: Microsoft Graph did not return the CMK app's own registration (${describe(error)}).`,
      azureCode: classifyAzureError(error).azureCode,
      fix: "Check in Entra ID → App registrations → the CMK app → Authentication that it accepts accounts in any organizational directory (multitenant).",
    });
  }
  items.push({
    id: "fic-match",
    title: FIC_MATCH_TITLE,
    ok: true,
    detail: `The managed identity signed in as the CMK app through a federated credential (issuer ${expectedIssuer}, subject ${uamiPrincipalId ?? "the UAMI's principal id"}, audience ${TOKEN_EXCHANGE_AUDIENCE}).`,
  });
  items.push(await checkFicCount(graph, applicationId));
  return items;
}

/** Entra allows 20 federated credentials per app; listing them needs Application.Read.All, which the CMK app need not have. */
async function checkFicCount(graph: ReturnType<typeof graphClient>, applicationId: string | undefined): Promise<ReadinessItem> {
  const env = serverEnv();
  const fix = `Check with: az ad app federated-credential list --id ${env.CMK_APP_CLIENT_ID} --query "length(@)". Entra allows ${MAX_FEDERATED_CREDENTIALS} per application, and a second identity or a move needs a free slot.`;
  const path = applicationId ? `/applications/${applicationId}/federatedIdentityCredentials` : `/applications(appId='${env.CMK_APP_CLIENT_ID}')/federatedIdentityCredentials`;
  try {
    const count = ficList.parse(await graph.api(path).select("name").get()).value.length;
    const underLimit = count < MAX_FEDERATED_CREDENTIALS;
    return { id: "fic-count", title: FIC_COUNT_TITLE, ok: underLimit, warning: underLimit ? undefined : true, detail: `${count} of ${MAX_FEDERATED_CREDENTIALS} used.`, fix: underLimit ? undefined : "Remove federated credentials the app no longer needs: Entra allows 20 per application and a second identity or a move needs a free slot." };
  } catch (error) {
    const failure = azureFailure(error);
    const refused = failure.status === 403;
    return {
      id: "fic-count",
      title: FIC_COUNT_TITLE,
      ok: false,
      warning: true,
      detail: refused
        ? `Count unknown: listing the app's federated credentials needs the Graph permission Application.Read.All, which the CMK app does not need and should not have.`
        : `Count unknown: ${describe(error)}`,
      azureCode: classifyAzureError(error).azureCode,
      fix,
    };
  }
}
