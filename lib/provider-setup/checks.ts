// Registration readiness: is the provider tenant set up as desired.ts says? One named check per thing a
// person would look at in the Azure portal, each failing one with its fix. Pure over the read state.
import type { AppFederatedCredential, AppRegistration } from "../azure/app-registrations";
import type { CurrentState } from "./current";
import { MAX_APP_FEDERATED_CREDENTIALS, type DesiredApp, type DesiredFic, type DesiredState } from "./desired";
import { appIdentifierUri, customRoleId, customRoleScopes, desiredAssignments, identityResourceId } from "./plan";

/** `warning`: could not be confirmed or worth a look, but does not make the set-up fail. */
export type SetupCheck = { id: string; title: string; ok: boolean; detail: string; fix?: string; warning?: boolean };

export const isFailing = (c: SetupCheck) => !c.ok && !c.warning;

const APPLY = "Run `npm run provider -- apply`.";
const check = (id: string, title: string, ok: boolean, detail: string, fix: string): SetupCheck => ({ id, title, ok, detail, ...(ok ? {} : { fix }) });
const missing = (values: string[], present: string[]) => values.filter((v) => !present.some((p) => p.toLowerCase() === v.toLowerCase()));

function appChecks(app: DesiredApp, state: CurrentState["portalApp"]): SetupCheck[] {
  const id = app.key;
  const reg: AppRegistration | null = state.registration;
  if (!reg) {
    const detail = state.sameName.length > 1 ? `${state.sameName.length} registrations are named "${app.displayName}".` : `No registration "${app.clientId ?? app.displayName}" in the provider tenant.`;
    return [check(`${id}-app`, `The ${app.label} is registered`, false, detail, state.sameName.length > 1 ? `Set ${id === "portal" ? "PORTAL_CLIENT_ID" : "CMK_APP_CLIENT_ID"} to the one to use.` : APPLY)];
  }
  const checks = [
    check(`${id}-app`, `The ${app.label} is registered`, true, `${reg.displayName} (${reg.appId})`, APPLY),
    check(`${id}-multitenant`, `The ${app.label} is multitenant`, reg.signInAudience === app.signInAudience, `signInAudience ${reg.signInAudience ?? "unset"}`,
      `${APPLY} (sets signInAudience to ${app.signInAudience})`),
  ];
  if (app.requestedAccessTokenVersion) {
    checks.push(check(`${id}-token-version`, `The ${app.label} issues v${app.requestedAccessTokenVersion} access tokens`, reg.requestedAccessTokenVersion === app.requestedAccessTokenVersion,
      `api.requestedAccessTokenVersion ${reg.requestedAccessTokenVersion ?? "null (v1)"}`, `${APPLY} (the portal validates v2 tokens: issuer ${"{authority}/{tenant}/v2.0"}, audience the client id)`));
  }
  const spaMissing = missing(app.spaRedirectUris, reg.spaRedirectUris);
  const spaOnWeb = app.spaRedirectUris.filter((u) => reg.webRedirectUris.includes(u));
  const webMissing = missing(app.webRedirectUris, reg.webRedirectUris);
  const webOnSpa = app.webRedirectUris.filter((u) => reg.spaRedirectUris.includes(u));
  const platformProblems = [
    ...spaMissing.map((u) => `${u} is not a SPA redirect URI`), ...spaOnWeb.map((u) => `${u} is on the Web platform (browser sign-in needs SPA)`),
    ...webMissing.map((u) => `${u} is not a Web redirect URI`), ...webOnSpa.map((u) => `${u} is on the SPA platform (consent returns to the server: Web)`),
  ];
  checks.push(check(`${id}-redirects`, `The ${app.label}'s redirect URIs are on the right platforms`, platformProblems.length === 0,
    platformProblems.length ? platformProblems.join("; ") : `SPA: ${reg.spaRedirectUris.join(", ") || "none"}; Web: ${reg.webRedirectUris.join(", ") || "none"}`, APPLY));
  if (app.scopes.length) {
    const enabled = reg.scopes.filter((s) => s.isEnabled !== false).map((s) => s.value ?? "");
    const scopesMissing = app.scopes.map((s) => s.value).filter((v) => !enabled.includes(v));
    const uriMissing = !reg.identifierUris.includes(appIdentifierUri(reg.appId));
    checks.push(check(`${id}-api`, `The ${app.label} exposes its API`, scopesMissing.length === 0 && !uriMissing,
      [uriMissing ? `identifier URI ${appIdentifierUri(reg.appId)} missing` : "", scopesMissing.length ? `scope ${scopesMissing.join(", ")} missing or disabled` : ""].filter(Boolean).join("; ")
        || `${appIdentifierUri(reg.appId)}/${app.scopes.map((s) => s.value).join(", ")}`, APPLY));
  }
  if (app.appRoles.length) {
    const rolesMissing = app.appRoles.map((r) => r.value).filter((v) => !reg.appRoles.some((r) => r.value === v && r.isEnabled !== false));
    checks.push(check(`${id}-roles`, `The ${app.label} defines its app roles`, rolesMissing.length === 0,
      rolesMissing.length ? `missing or disabled: ${rolesMissing.join(", ")}` : app.appRoles.map((r) => r.value).join(", "), APPLY));
  }
  if (app.groupMembershipClaims || app.optionalClaims) {
    const problems = [
      ...(app.groupMembershipClaims && reg.groupMembershipClaims !== app.groupMembershipClaims && reg.groupMembershipClaims !== "All"
        ? [`groupMembershipClaims ${reg.groupMembershipClaims ?? "null"} (wids needs ${app.groupMembershipClaims})`] : []),
      ...(["idToken", "accessToken"] as const).flatMap((type) =>
        (app.optionalClaims?.[type] ?? []).filter((name) => !reg.optionalClaims[type].some((c) => c.name === name)).map((name) => `${type} optional claim ${name} missing`)),
    ];
    checks.push(check(`${id}-claims`, `The ${app.label}'s tokens carry the claims the portal checks (wids, acct, auth_time, acrs)`, problems.length === 0,
      problems.length ? problems.join("; ") : `groupMembershipClaims ${reg.groupMembershipClaims}; optional claims configured`, APPLY));
  }
  for (const need of app.requiredPermissions) {
    const declared = reg.requiredResourceAccess.some((r) => r.resourceAppId.toLowerCase() === need.resourceAppId && r.resourceAccess.some((a) => a.id.toLowerCase() === need.scopeId && a.type === "Scope"));
    checks.push(check(`${id}-permission`, `The ${app.label} declares ${need.name}`, declared, declared ? `${need.resourceAppId}/${need.scopeId}` : "not in requiredResourceAccess", APPLY));
  }
  for (const forbidden of app.forbiddenResourceAppIds) {
    const declared = reg.requiredResourceAccess.filter((r) => r.resourceAppId.toLowerCase() === forbidden).flatMap((r) => r.resourceAccess);
    checks.push(check(`${id}-no-graph`, `The ${app.label} asks for no Microsoft Graph permission`, declared.length === 0,
      declared.length ? `declares ${declared.length} Microsoft Graph permission(s); customers would have to consent to them` : "none declared", `${APPLY} (removes them: the CMK app reads its own service principal without any)`));
  }
  checks.push(check(`${id}-service-principal`, `The ${app.label} has a service principal in the provider tenant`, state.servicePrincipal,
    state.servicePrincipal ? "present" : "missing: nobody in the provider tenant can sign in to it", APPLY));
  return checks;
}

function ficChecks(id: string, label: string, fics: AppFederatedCredential[], fic: DesiredFic, identity: CurrentState["identity"]): SetupCheck[] {
  const match = identity ? fics.find((f) => f.issuer === fic.issuer && f.subject === identity.principalId && fic.audiences.every((a) => f.audiences.includes(a))) : undefined;
  const named = fics.find((f) => f.name === fic.name);
  const ficDetail = match ? `${match.name}: issuer ${match.issuer}, subject ${match.subject}, audiences ${match.audiences.join(", ")}`
    : named ? `${named.name} differs: ${[named.issuer !== fic.issuer ? `issuer ${named.issuer} (want ${fic.issuer})` : "", identity && named.subject !== identity.principalId ? `subject ${named.subject} (want ${identity.principalId})` : "",
      fic.audiences.some((a) => !named.audiences.includes(a)) ? `audiences ${named.audiences.join(", ")} (want ${fic.audiences.join(", ")})` : ""].filter(Boolean).join("; ")}`
      : `no federated credential with issuer ${fic.issuer}, subject ${identity?.principalId ?? "(the identity's principal id)"} and audience ${fic.audiences.join(", ")}`;
  return [
    check(id, `The ${label} trusts the managed identity (federated credential)`, Boolean(match), ficDetail, APPLY),
    check(`${id}-count`, `The ${label} has fewer than ${MAX_APP_FEDERATED_CREDENTIALS} federated credentials`, fics.length < MAX_APP_FEDERATED_CREDENTIALS,
      `${fics.length} of ${MAX_APP_FEDERATED_CREDENTIALS} used`, `Remove federated credentials the ${label} no longer needs: Entra allows 20 per application.`),
  ];
}

export function registrationChecks(current: CurrentState, desired: DesiredState): SetupCheck[] {
  const checks = [...appChecks(desired.portalApp, current.portalApp), ...appChecks(desired.cmkApp, current.cmkApp)];
  const identity = current.identity;
  checks.push(check("identity", "The user-assigned managed identity exists", identity !== null,
    identity ? `${identity.name} (client ${identity.clientId}, principal ${identity.principalId})` : `${identityResourceId(desired)} not found`, APPLY));
  checks.push(...ficChecks("fic", "CMK app", current.fics, desired.fic, identity));
  checks.push(...ficChecks("portal-fic", "portal app", current.portalFics, desired.portalFic, identity));
  const role = current.customRole;
  const actionsMissing = role ? desired.customRole.actions.filter((a) => !role.actions.includes(a)) : desired.customRole.actions;
  const extra = role ? role.actions.filter((a) => !desired.customRole.actions.includes(a)) : [];
  const scopesMissing = role ? missing(customRoleScopes(desired), role.assignableScopes) : [];
  checks.push(check("custom-role", `The custom role "${desired.customRole.roleName}" grants exactly what the identity needs`, role !== null && actionsMissing.length === 0 && extra.length === 0 && scopesMissing.length === 0,
    !role ? "missing" : [actionsMissing.length ? `missing actions ${actionsMissing.join(", ")}` : "", extra.length ? `extra actions ${extra.join(", ")}` : "", scopesMissing.length ? `not assignable at ${scopesMissing.join(", ")}` : ""].filter(Boolean).join("; ") || `${role.actions.length} actions`, APPLY));
  const skipped = current.missingVmResourceGroups;
  checks.push(check("vm-resource-groups", "The VMs' resource groups exist", skipped.length === 0, skipped.length ? `not found: ${skipped.join(", ")}` : desired.vmResourceGroups.join(", "),
    "Correct PROVIDER_VM_RESOURCE_GROUPS: the resource groups of the VMs whose disks are encrypted."));
  for (const want of desiredAssignments(desired, customRoleId(current, desired))) {
    if (skipped.some((g) => want.scope.toLowerCase().endsWith(`/resourcegroups/${g.toLowerCase()}`))) continue;
    const present = current.assignments.some((ra) => ra.scope.toLowerCase() === want.scope.toLowerCase() && ra.roleDefinitionId === want.roleId);
    checks.push(check("role-assignment", `The identity holds ${want.roleLabel} at ${want.scope}`, present, present ? "assigned" : "not assigned", APPLY));
  }
  return checks;
}
