// A customer's pipeline as the e2e specs play it: client-credentials tokens from the simulator's Entra, Graph to give
// the pipeline the portal's app role, ARM for the customer's own side. Plain HTTP, as a pipeline script would do.
import { expect, type APIRequestContext } from "@playwright/test";
import { SIM, servicePrincipalObjectId } from "../azure-sim/seed";
import { SIM_URL } from "./sim";

export const PORTAL_API = `api://${SIM.portalClientId}`;

export async function clientCredentialsToken(request: APIRequestContext, app: { tenantId: string; clientId: string; secret: string }, resource: string): Promise<string> {
  const response = await request.post(`${SIM_URL}/${app.tenantId}/oauth2/v2.0/token`, {
    form: { grant_type: "client_credentials", client_id: app.clientId, client_secret: app.secret, scope: `${resource}/.default` },
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  expect(body.access_token, body.error_description).toBeTruthy();
  return body.access_token!;
}

export const contosoPipeline = { tenantId: SIM.customers.contoso.tenantId, clientId: SIM.contosoPipeline.clientId, secret: SIM.contosoPipeline.secret };
export const staffAutomation = { tenantId: SIM.providerTenantId, clientId: SIM.staffAutomation.clientId, secret: SIM.staffAutomation.secret };

/** What an admin's script does once: Graph appRoleAssignedTo gives the pipeline's service principal Customer.Automation. */
export async function assignCustomerAutomation(request: APIRequestContext): Promise<void> {
  const graph = await clientCredentialsToken(request, contosoPipeline, "https://graph.microsoft.com");
  const headers = { authorization: `Bearer ${graph}` };
  const portal = (await (await request.get(`${SIM_URL}/graph/v1.0/servicePrincipals(appId='${SIM.portalClientId}')`, { headers })).json()) as { id: string; appRoles: { id: string; value: string }[] };
  const role = portal.appRoles.find((r) => r.value === "Customer.Automation");
  expect(role, "the portal exposes Customer.Automation").toBeTruthy();
  const assigned = await request.post(`${SIM_URL}/graph/v1.0/servicePrincipals/${portal.id}/appRoleAssignedTo`, {
    headers,
    data: { principalId: servicePrincipalObjectId(SIM.contosoPipeline.clientId, SIM.customers.contoso.tenantId), resourceId: portal.id, appRoleId: role!.id },
  });
  expect(assigned.status(), await assigned.text()).toBe(201);
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}
