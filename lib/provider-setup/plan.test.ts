import { describe, expect, it } from "vitest";
import type { AppRegistration } from "../azure/app-registrations";
import { parseProviderSetupEnv } from "../env";
import type { CurrentState } from "./current";
import { CUSTOMER_AUTOMATION_ROLE, CUSTOMER_ROLES, STAFF_ROLES } from "../auth/roles";
import { desiredState, GRAPH_RESOURCE_APP_ID, MANAGED_IDENTITY_OPERATOR_ROLE_ID, PORTAL_APP_ROLES, type DesiredApp } from "./desired";
import { appCreateBody, appPatch, customRoleId, customRoleScopes, describePlan, desiredAssignments, isReady, plan, type Step } from "./plan";

const TENANT = "11111111-1111-4111-8111-111111111111";
const SUB = "44444444-4444-4444-8444-444444444444";
const desired = desiredState(parseProviderSetupEnv({
  PROVIDER_TENANT_ID: TENANT, PROVIDER_SUBSCRIPTION_ID: SUB, PROVIDER_DES_REGIONS: "westeurope,northeurope",
  PROVIDER_VM_RESOURCE_GROUPS: "workloads-rg", APP_BASE_URL: "https://cmk.example.com",
}));

const EMPTY: CurrentState = {
  portalApp: { registration: null, sameName: [], servicePrincipal: false },
  cmkApp: { registration: null, sameName: [], servicePrincipal: false },
  resourceGroup: null, missingVmResourceGroups: [], identity: null, fics: [], portalFics: [], customRole: null, assignments: [],
};

/** A registration as Graph returns it after `apply` created it from the desired state. */
function registered(app: DesiredApp, appId: string): AppRegistration {
  const { body } = appCreateBody(app);
  return {
    objectId: `obj-${appId}`, appId, displayName: app.displayName, signInAudience: app.signInAudience,
    identifierUris: app.scopes.length ? [`api://${appId}`] : [], requestedAccessTokenVersion: body.api?.requestedAccessTokenVersion ?? null,
    scopes: (body.api?.oauth2PermissionScopes ?? []) as AppRegistration["scopes"], appRoles: (body.appRoles ?? []) as AppRegistration["appRoles"],
    webRedirectUris: app.webRedirectUris, spaRedirectUris: app.spaRedirectUris, requiredResourceAccess: body.requiredResourceAccess ?? [],
    groupMembershipClaims: body.groupMembershipClaims ?? null, optionalClaims: body.optionalClaims ?? { idToken: [], accessToken: [], saml2Token: [] },
  };
}

const PRINCIPAL = "99999999-9999-4999-8999-999999999999";
function converged(): CurrentState {
  const roleId = customRoleId(EMPTY, desired);
  return {
    portalApp: { registration: registered(desired.portalApp, "portal-app-id"), sameName: [], servicePrincipal: true },
    cmkApp: { registration: registered(desired.cmkApp, "cmk-app-id"), sameName: [], servicePrincipal: true },
    resourceGroup: { name: "cmk-provider-rg", location: "westeurope" }, missingVmResourceGroups: [],
    identity: { id: `/subscriptions/${SUB}/resourceGroups/cmk-provider-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmk-des-identity`, name: "cmk-des-identity",
      location: "westeurope", clientId: "client", principalId: PRINCIPAL, tenantId: TENANT },
    fics: [{ id: "fic-1", name: desired.fic.name, issuer: desired.fic.issuer, subject: PRINCIPAL, audiences: desired.fic.audiences }],
    portalFics: [{ id: "fic-2", name: desired.portalFic.name, issuer: desired.portalFic.issuer, subject: PRINCIPAL, audiences: desired.portalFic.audiences }],
    customRole: { id: roleId, roleName: desired.customRole.roleName, description: "", actions: desired.customRole.actions, assignableScopes: customRoleScopes(desired) },
    assignments: desiredAssignments(desired, roleId).map((a, i) => ({ id: `ra-${i}`, scope: a.scope, roleDefinitionId: a.roleId, principalId: PRINCIPAL })),
  };
}

const kinds = (steps: Step[]) => steps.map((s) => s.kind);

describe("desired state", () => {
  it("declares an app role for every staff and customer role the portal knows", () => {
    expect(PORTAL_APP_ROLES.map((r) => r.value)).toEqual([...STAFF_ROLES, ...CUSTOMER_ROLES, CUSTOMER_AUTOMATION_ROLE]);
    expect(PORTAL_APP_ROLES.find((r) => r.value === CUSTOMER_AUTOMATION_ROLE)?.allowedMemberTypes, "pipelines only, never people").toEqual(["Application"]);
  });
});

describe("plan", () => {
  it("on an empty tenant creates everything, in dependency order, and defers what needs new ids", () => {
    const steps = plan(EMPTY, desired);
    expect(kinds(steps)).toEqual([
      "create-resource-group", "create-identity", "create-app", "create-service-principal", "create-app", "create-service-principal",
      "create-fic", "create-fic", "put-custom-role", "create-role-assignment", "create-role-assignment", "create-role-assignment",
    ]);
    expect(steps.filter((s) => !isReady(s)).map((s) => s.kind)).toEqual(["create-service-principal", "create-service-principal", "create-fic", "create-fic",
      "create-role-assignment", "create-role-assignment", "create-role-assignment"]);
    const portal = steps.find((s) => s.kind === "create-app" && s.app === "portal");
    expect(portal).toMatchObject({ body: { signInAudience: "AzureADMultipleOrgs", spa: { redirectUris: ["https://cmk.example.com/auth/callback"] }, web: { redirectUris: [] },
      api: { requestedAccessTokenVersion: 2 }, requiredResourceAccess: [
        { resourceAppId: "797f4846-ba00-4fd7-ba43-dac1f8f63013", resourceAccess: [{ id: "41094075-9dad-400e-a0bd-54e686782033", type: "Scope" }] },
        { resourceAppId: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093", resourceAccess: [{ id: "f53da476-18e3-4152-8e01-aec403e6edc0", type: "Scope" }] }] } });
    const cmk = steps.find((s) => s.kind === "create-app" && s.app === "cmk");
    expect(cmk).toMatchObject({ body: { web: { redirectUris: ["https://cmk.example.com/api/consent/callback", "https://cmk.example.com/consent/callback"] }, requiredResourceAccess: [] } });
    expect(steps.filter((s) => s.kind === "create-role-assignment").map((s) => s.kind === "create-role-assignment" && [s.roleLabel, s.scope.split("/").slice(-1)[0]])).toEqual([
      [desired.customRole.roleName, "cmk-provider-rg"], [desired.customRole.roleName, "workloads-rg"], ["Managed Identity Operator", "cmk-des-identity"],
    ]);
    expect(describePlan(steps).at(-1)).toBe("Plan: 12 to add, 0 to change.");
  });

  it("is empty when the tenant matches, and says so", () => {
    expect(plan(converged(), desired)).toEqual([]);
    expect(describePlan([])).toEqual(["No changes. The provider set-up matches the desired state."]);
  });

  it("is deterministic: the same inputs give the same steps and ids", () => {
    expect(plan(EMPTY, desired)).toEqual(plan(EMPTY, desired));
  });

  it("sets the portal's token version to 2 and sends the whole api object, keeping the scope ids", () => {
    const current = converged();
    const reg = current.portalApp.registration!;
    reg.requestedAccessTokenVersion = 1;
    const [step] = plan(current, desired);
    expect(step).toMatchObject({ kind: "update-app", app: "portal", fields: [{ field: "api.requestedAccessTokenVersion", from: "1", to: "2" }] });
    if (step?.kind !== "update-app") throw new Error("expected update-app");
    expect(step.patch).toEqual({ api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: reg.scopes } });
  });

  it("moves a SPA redirect URI off the Web platform and adds the missing identifier URI", () => {
    const current = converged();
    const reg = current.portalApp.registration!;
    reg.spaRedirectUris = [];
    reg.webRedirectUris = ["https://cmk.example.com/auth/callback", "https://other.example.com/keep"];
    reg.identifierUris = [];
    const [step] = plan(current, desired);
    if (step?.kind !== "update-app") throw new Error("expected update-app");
    expect(step.patch).toEqual({ web: { redirectUris: ["https://other.example.com/keep"] }, spa: { redirectUris: ["https://cmk.example.com/auth/callback"] },
      identifierUris: ["api://portal-app-id"] });
  });

  it("leaves an enabled app role or scope as it is, even reworded (Graph refuses to change one), and re-enables a disabled one", () => {
    const current = converged();
    const reg = current.portalApp.registration!;
    reg.appRoles = reg.appRoles.map((r) => (r.value === "Operator" ? { ...r, description: "Worded by hand" } : r));
    reg.scopes = reg.scopes.map((sc) => ({ ...sc, adminConsentDescription: "Worded by hand" }));
    expect(plan(current, desired)).toEqual([]);
    reg.appRoles = reg.appRoles.map((r) => (r.value === "Support" ? { ...r, isEnabled: false } : r));
    const [step] = plan(current, desired);
    if (step?.kind !== "update-app") throw new Error("expected update-app");
    expect(step.patch.appRoles).toEqual(reg.appRoles.map((r) => ({ id: r.id, value: r.value, displayName: r.displayName, description: r.description,
      allowedMemberTypes: r.allowedMemberTypes, isEnabled: true })));
  });

  it("removes Microsoft Graph permissions from the CMK app", () => {
    const current = converged();
    current.cmkApp.registration!.requiredResourceAccess = [{ resourceAppId: GRAPH_RESOURCE_APP_ID, resourceAccess: [{ id: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", type: "Role" }] }];
    expect(plan(current, desired)).toMatchObject([{ kind: "update-app", app: "cmk", patch: { requiredResourceAccess: [] } }]);
  });

  it("repairs a federated credential whose subject was changed, in place", () => {
    const current = converged();
    current.fics = [{ ...current.fics[0]!, subject: "someone-else" }];
    expect(plan(current, desired)).toEqual([{ kind: "update-fic", label: "CMK app", appObjectId: "obj-cmk-app-id", ficId: "fic-1", name: desired.fic.name,
      patch: { issuer: desired.fic.issuer, subject: PRINCIPAL, audiences: desired.fic.audiences }, fields: [{ field: "subject", from: "someone-else", to: PRINCIPAL }] }]);
  });

  it("gives the portal app a federated credential for the identity too: its on-behalf-of credential, so production needs no client secret", () => {
    const current = converged();
    current.portalFics = [];
    expect(plan(current, desired)).toEqual([{ kind: "create-fic", label: "portal app", appObjectId: "obj-portal-app-id",
      fic: { name: "cmk-des-identity-portal", issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, subject: PRINCIPAL, audiences: ["api://AzureADTokenExchange"], description: desired.portalFic.description } }]);
    expect(describePlan(plan(current, desired))[0]).toBe("+ federated credential cmk-des-identity-portal on the portal app");
  });

  it("adopts a matching federated credential under another name rather than adding a second", () => {
    const current = converged();
    current.fics = [{ ...current.fics[0]!, name: "made-by-hand" }];
    expect(plan(current, desired)).toEqual([]);
  });

  it("stops at the 20-credential limit with the fix instead of trying to add a 21st", () => {
    const current = converged();
    current.fics = Array.from({ length: 20 }, (_, i) => ({ id: `f${i}`, name: `other-${i}`, issuer: "https://token.actions.githubusercontent.com", subject: `repo:x:${i}`, audiences: ["api://AzureADTokenExchange"] }));
    const steps = plan(current, desired);
    expect(steps).toMatchObject([{ kind: "blocked", title: expect.stringContaining("20"), fix: expect.stringContaining("Remove a federated credential") }]);
  });

  it("recreates a missing role assignment and widens a custom role that lost an action", () => {
    const current = converged();
    current.assignments = current.assignments.filter((a) => a.roleDefinitionId !== MANAGED_IDENTITY_OPERATOR_ROLE_ID);
    current.customRole = { ...current.customRole!, actions: current.customRole!.actions.filter((a) => !a.endsWith("deallocate/action")) };
    const steps = plan(current, desired);
    expect(kinds(steps)).toEqual(["put-custom-role", "create-role-assignment"]);
    expect(steps[0]).toMatchObject({ create: false, fields: [{ field: "actions" }] });
    expect(steps[1]).toMatchObject({ roleId: MANAGED_IDENTITY_OPERATOR_ROLE_ID, principalId: PRINCIPAL, scope: expect.stringMatching(/userAssignedIdentities\/cmk-des-identity$/) });
  });

  it("refuses to guess between two registrations with the same name", () => {
    const steps = plan({ ...converged(), portalApp: { registration: null, sameName: ["a", "b"], servicePrincipal: false } }, desired);
    expect(steps).toMatchObject([{ kind: "blocked", fix: expect.stringContaining("PORTAL_CLIENT_ID") }]);
  });
});

describe("portal token claims (customer roles, guests, step-up)", () => {
  it("configures wids (groupMembershipClaims DirectoryRole), the optional claims acct/auth_time/acrs and the customer app roles", () => {
    const { body, fields } = appCreateBody(desired.portalApp);
    expect(body.groupMembershipClaims).toBe("DirectoryRole");
    expect(body.optionalClaims?.idToken.map((c) => c.name)).toEqual(["acct", "auth_time"]);
    expect(body.optionalClaims?.accessToken.map((c) => c.name)).toEqual(["acct", "auth_time", "acrs"]);
    expect((body.appRoles ?? []).map((r) => r.value)).toEqual(expect.arrayContaining(["Customer.Admin", "Customer.Reader"]));
    expect(fields.map((f) => f.field)).toEqual(expect.arrayContaining(["groupMembershipClaims", "optionalClaims"]));
  });

  it("adds missing claims to an existing registration and keeps claims it already has", () => {
    const reg = { ...registered(desired.portalApp, "portal-app-id"), groupMembershipClaims: null, optionalClaims: { idToken: [{ name: "email" }], accessToken: [], saml2Token: [] } };
    const { patch } = appPatch(desired.portalApp, reg);
    expect(patch.groupMembershipClaims).toBe("DirectoryRole");
    expect(patch.optionalClaims?.idToken.map((c) => c.name)).toEqual(["email", "acct", "auth_time"]);
    expect(appPatch(desired.portalApp, { ...reg, groupMembershipClaims: "All", optionalClaims: registered(desired.portalApp, "x").optionalClaims }).fields).toEqual([]);
  });
});
