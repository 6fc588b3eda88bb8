// The diff between what the provider tenant holds (current.ts) and what it should hold (desired.ts), as an
// ordered list of steps. Pure: no I/O, no clock, no randomness — new ids are derived from names, so the same
// inputs always give the same plan. Values that only exist once an earlier step ran (a new app's client id,
// a new identity's principal id) are null in the step; apply.ts runs those steps in a later round.
import type { AppRegistration, ApplicationWrite } from "../azure/app-registrations";
import type { CustomRole } from "../azure/provider-arm";
import type { AppFederatedCredential } from "../azure/app-registrations";
import type { CurrentState } from "./current";
import { derivedGuid, MANAGED_IDENTITY_OPERATOR_ROLE_ID, MAX_APP_FEDERATED_CREDENTIALS, type DesiredApp, type DesiredFic, type DesiredState } from "./desired";

export type FieldChange = { field: string; from: string; to: string };

export type Step =
  | { kind: "create-resource-group"; name: string; location: string }
  | { kind: "create-identity"; resourceGroup: string; name: string; location: string }
  | { kind: "create-app"; app: DesiredApp["key"]; label: string; body: ApplicationWrite; fields: FieldChange[] }
  | { kind: "update-app"; app: DesiredApp["key"]; label: string; objectId: string; appId: string; patch: ApplicationWrite; fields: FieldChange[] }
  | { kind: "create-service-principal"; app: DesiredApp["key"]; label: string; appId: string | null }
  | { kind: "create-fic"; label: string; appObjectId: string | null; fic: { name: string; issuer: string; subject: string | null; audiences: string[]; description: string } }
  | { kind: "update-fic"; label: string; appObjectId: string; ficId: string; name: string; patch: { issuer: string; subject: string; audiences: string[] }; fields: FieldChange[] }
  | { kind: "put-custom-role"; role: CustomRole; create: boolean; fields: FieldChange[] }
  | { kind: "create-role-assignment"; scope: string; roleId: string; roleLabel: string; principalId: string | null; name: string | null }
  /** Something apply cannot fix by itself; `fix` says what a person must do. */
  | { kind: "blocked"; title: string; fix: string };

const sameSet = (a: string[], b: string[]) => {
  const x = new Set(a.map((v) => v.toLowerCase()));
  const y = new Set(b.map((v) => v.toLowerCase()));
  return x.size === y.size && [...x].every((v) => y.has(v));
};
const list = (values: string[]) => (values.length ? values.join(", ") : "(none)");
const uniqueCi = (values: string[]) => values.filter((v, i) => values.findIndex((w) => w.toLowerCase() === v.toLowerCase()) === i);

export function identityResourceId(desired: DesiredState): string {
  return `/subscriptions/${desired.subscriptionId}/resourceGroups/${desired.identity.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${desired.identity.name}`;
}

function resourceGroupScope(desired: DesiredState, name: string): string {
  return `/subscriptions/${desired.subscriptionId}/resourceGroups/${name}`;
}

/** Where the custom role may be assigned: the DES resource group and the VMs' resource groups. */
export function customRoleScopes(desired: DesiredState): string[] {
  return uniqueCi([desired.resourceGroup.name, ...desired.vmResourceGroups]).map((g) => resourceGroupScope(desired, g));
}

/** Every scope that holds one of the identity's role assignments. */
export function desiredAssignmentScopes(desired: DesiredState): string[] {
  return [...customRoleScopes(desired), identityResourceId(desired)];
}

/** The identity's role assignments: the custom role where DES and VMs live, Managed Identity Operator on itself. */
export function desiredAssignments(desired: DesiredState, customRoleId: string): { scope: string; roleId: string; roleLabel: string }[] {
  return [
    ...customRoleScopes(desired).map((scope) => ({ scope, roleId: customRoleId, roleLabel: desired.customRole.roleName })),
    { scope: identityResourceId(desired), roleId: MANAGED_IDENTITY_OPERATOR_ROLE_ID, roleLabel: "Managed Identity Operator" },
  ];
}

export function customRoleId(current: CurrentState, desired: DesiredState): string {
  return current.customRole?.id ?? derivedGuid("customRole", desired.subscriptionId, desired.customRole.roleName);
}

// ── app registrations ───────────────────────────────────────────────────────────────────────────

type ScopeWrite = { id: string; value: string; type: string; adminConsentDisplayName: string; adminConsentDescription: string; userConsentDisplayName: string | null; userConsentDescription: string | null; isEnabled: boolean };
type RoleWrite = { id: string; value: string; displayName: string; description: string; allowedMemberTypes: string[]; isEnabled: boolean };

function scopesWanted(app: DesiredApp, existing: AppRegistration["scopes"]): ScopeWrite[] {
  const kept: ScopeWrite[] = existing.map((s) => ({
    id: s.id, value: s.value ?? "", type: s.type ?? "User", adminConsentDisplayName: s.adminConsentDisplayName ?? "", adminConsentDescription: s.adminConsentDescription ?? "",
    userConsentDisplayName: s.userConsentDisplayName ?? null, userConsentDescription: s.userConsentDescription ?? null, isEnabled: s.isEnabled ?? true,
  }));
  // An enabled scope cannot be changed (CannotDeleteOrUpdateEnabledEntitlement): keep it as it is; re-enable a disabled one.
  for (const want of app.scopes) {
    const match = kept.find((s) => s.value === want.value);
    if (match) match.isEnabled = true;
    else kept.push({ id: derivedGuid(app.displayName, "scope", want.value), ...want, type: "User", isEnabled: true });
  }
  return kept;
}

function rolesWanted(app: DesiredApp, existing: AppRegistration["appRoles"]): RoleWrite[] {
  const kept: RoleWrite[] = existing.map((r) => ({
    id: r.id, value: r.value ?? "", displayName: r.displayName ?? "", description: r.description ?? "", allowedMemberTypes: r.allowedMemberTypes ?? [], isEnabled: r.isEnabled ?? true,
  }));
  for (const want of app.appRoles) {
    const match = kept.find((r) => r.value === want.value);
    if (match) match.isEnabled = true;
    else kept.push({ id: derivedGuid(app.displayName, "appRole", want.value), ...want, allowedMemberTypes: want.allowedMemberTypes ?? ["User"], isEnabled: true });
  }
  return kept;
}

function permissionsWanted(app: DesiredApp, existing: AppRegistration["requiredResourceAccess"]): AppRegistration["requiredResourceAccess"] {
  const kept = existing
    .filter((r) => !app.forbiddenResourceAppIds.includes(r.resourceAppId.toLowerCase()))
    .map((r) => ({ resourceAppId: r.resourceAppId, resourceAccess: [...r.resourceAccess] }));
  for (const need of app.requiredPermissions) {
    let entry = kept.find((r) => r.resourceAppId.toLowerCase() === need.resourceAppId);
    if (!entry) kept.push((entry = { resourceAppId: need.resourceAppId, resourceAccess: [] }));
    if (!entry.resourceAccess.some((a) => a.id.toLowerCase() === need.scopeId && a.type === "Scope")) entry.resourceAccess.push({ id: need.scopeId, type: "Scope" });
  }
  return kept;
}

const describePermissions = (entries: AppRegistration["requiredResourceAccess"]) =>
  list(entries.flatMap((e) => e.resourceAccess.map((a) => `${e.resourceAppId}/${a.id} (${a.type})`)));

/** Redirect URIs of one platform: the wanted ones added, those that belong on the other platform removed. */
function redirectsWanted(current: string[], wanted: string[], otherPlatform: string[]): string[] {
  return uniqueCi([...current.filter((u) => !otherPlatform.includes(u)), ...wanted]);
}

export function appIdentifierUri(appId: string): string {
  return `api://${appId}`;
}

/** The patch (and its field changes) that brings an existing registration to the desired state; empty when it matches. */
export function appPatch(app: DesiredApp, reg: AppRegistration): { patch: ApplicationWrite; fields: FieldChange[] } {
  const patch: ApplicationWrite = {};
  const fields: FieldChange[] = [];
  if (reg.signInAudience !== app.signInAudience) {
    patch.signInAudience = app.signInAudience;
    fields.push({ field: "signInAudience", from: String(reg.signInAudience), to: app.signInAudience });
  }
  const web = redirectsWanted(reg.webRedirectUris, app.webRedirectUris, app.spaRedirectUris);
  if (!sameSet(web, reg.webRedirectUris)) {
    patch.web = { redirectUris: web };
    fields.push({ field: "web.redirectUris", from: list(reg.webRedirectUris), to: list(web) });
  }
  const spa = redirectsWanted(reg.spaRedirectUris, app.spaRedirectUris, app.webRedirectUris);
  if (!sameSet(spa, reg.spaRedirectUris)) {
    patch.spa = { redirectUris: spa };
    fields.push({ field: "spa.redirectUris", from: list(reg.spaRedirectUris), to: list(spa) });
  }
  const scopes = scopesWanted(app, reg.scopes);
  const version = app.requestedAccessTokenVersion ?? reg.requestedAccessTokenVersion;
  const scopesChanged = JSON.stringify(scopes) !== JSON.stringify(scopesWanted({ ...app, scopes: [] }, reg.scopes));
  if (version !== reg.requestedAccessTokenVersion) fields.push({ field: "api.requestedAccessTokenVersion", from: String(reg.requestedAccessTokenVersion), to: String(version) });
  if (scopesChanged) fields.push({ field: "api.oauth2PermissionScopes", from: list(reg.scopes.filter((s) => s.isEnabled !== false).map((s) => s.value ?? "")), to: list(scopes.filter((s) => s.isEnabled).map((s) => s.value)) });
  // `api` is sent whole: a PATCH replaces complex properties.
  if (version !== reg.requestedAccessTokenVersion || scopesChanged) patch.api = { requestedAccessTokenVersion: version, oauth2PermissionScopes: scopes };
  if (app.scopes.length > 0 && !reg.identifierUris.includes(appIdentifierUri(reg.appId))) {
    patch.identifierUris = [...reg.identifierUris, appIdentifierUri(reg.appId)];
    fields.push({ field: "identifierUris", from: list(reg.identifierUris), to: list(patch.identifierUris) });
  }
  const roles = rolesWanted(app, reg.appRoles);
  if (JSON.stringify(roles) !== JSON.stringify(rolesWanted({ ...app, appRoles: [] }, reg.appRoles))) {
    patch.appRoles = roles;
    fields.push({ field: "appRoles", from: list(reg.appRoles.filter((r) => r.isEnabled !== false).map((r) => r.value ?? "")), to: list(roles.filter((r) => r.isEnabled).map((r) => r.value)) });
  }
  if (app.groupMembershipClaims && !groupClaimsCover(reg.groupMembershipClaims, app.groupMembershipClaims)) {
    patch.groupMembershipClaims = app.groupMembershipClaims;
    fields.push({ field: "groupMembershipClaims", from: String(reg.groupMembershipClaims), to: app.groupMembershipClaims });
  }
  const optional = optionalClaimsWanted(app, reg.optionalClaims);
  if (optional) {
    patch.optionalClaims = optional;
    fields.push({ field: "optionalClaims", from: describeOptionalClaims(reg.optionalClaims), to: describeOptionalClaims(optional) });
  }
  const permissions = permissionsWanted(app, reg.requiredResourceAccess);
  if (JSON.stringify(permissions) !== JSON.stringify(reg.requiredResourceAccess)) {
    patch.requiredResourceAccess = permissions;
    fields.push({ field: "requiredResourceAccess", from: describePermissions(reg.requiredResourceAccess), to: describePermissions(permissions) });
  }
  return { patch, fields };
}

/** `All` includes directory roles too; anything else must be exactly the wanted value. */
function groupClaimsCover(current: string | null, wanted: string): boolean {
  return current === wanted || current === "All";
}

type OptionalClaims = AppRegistration["optionalClaims"];
type OptionalClaimNames = { idToken: readonly (string | { name: string })[]; accessToken: readonly (string | { name: string })[]; saml2Token?: readonly (string | { name: string })[] };

/** The registration's optional claims plus the wanted ones (existing entries kept as they are), or null when all are there. */
function optionalClaimsWanted(app: DesiredApp, current: OptionalClaims): OptionalClaims | null {
  if (!app.optionalClaims) return null;
  const merged: OptionalClaims = { idToken: [...current.idToken], accessToken: [...current.accessToken], saml2Token: [...current.saml2Token] };
  let changed = false;
  for (const type of ["idToken", "accessToken"] as const) {
    for (const name of app.optionalClaims[type]) {
      if (merged[type].some((c) => c.name === name)) continue;
      merged[type].push({ name, source: null, essential: false, additionalProperties: [] });
      changed = true;
    }
  }
  return changed ? merged : null;
}

function describeOptionalClaims(claims: OptionalClaimNames): string {
  const names = (list: readonly (string | { name: string })[] | undefined) => (list ?? []).map((c) => (typeof c === "string" ? c : c.name)).join(", ") || "none";
  return `ID token: ${names(claims.idToken)}; access token: ${names(claims.accessToken)}`;
}

/** The POST body of a new registration (its identifier URI follows in the next round, once its client id exists). */
export function appCreateBody(app: DesiredApp): { body: ApplicationWrite; fields: FieldChange[] } {
  const body: ApplicationWrite = {
    displayName: app.displayName,
    signInAudience: app.signInAudience,
    web: { redirectUris: app.webRedirectUris },
    spa: { redirectUris: app.spaRedirectUris },
    api: { requestedAccessTokenVersion: app.requestedAccessTokenVersion ?? null, oauth2PermissionScopes: scopesWanted(app, []) },
    appRoles: rolesWanted(app, []),
    requiredResourceAccess: permissionsWanted(app, []),
    ...(app.groupMembershipClaims && { groupMembershipClaims: app.groupMembershipClaims }),
    ...(app.optionalClaims && { optionalClaims: optionalClaimsWanted(app, { idToken: [], accessToken: [], saml2Token: [] }) ?? undefined }),
  };
  const fields: FieldChange[] = [
    { field: "signInAudience", from: "", to: app.signInAudience },
    { field: "web.redirectUris", from: "", to: list(app.webRedirectUris) },
    { field: "spa.redirectUris", from: "", to: list(app.spaRedirectUris) },
    ...(app.requestedAccessTokenVersion ? [{ field: "api.requestedAccessTokenVersion", from: "", to: String(app.requestedAccessTokenVersion) }] : []),
    ...(app.scopes.length ? [{ field: "api.oauth2PermissionScopes", from: "", to: list(app.scopes.map((s) => s.value)) },
      { field: "identifierUris", from: "", to: "api://(client id, known after apply)" }] : []),
    ...(app.appRoles.length ? [{ field: "appRoles", from: "", to: list(app.appRoles.map((r) => r.value)) }] : []),
    { field: "requiredResourceAccess", from: "", to: app.requiredPermissions.length ? list(app.requiredPermissions.map((p) => p.name)) : "(none)" },
    ...(app.groupMembershipClaims ? [{ field: "groupMembershipClaims", from: "", to: app.groupMembershipClaims }] : []),
    ...(app.optionalClaims ? [{ field: "optionalClaims", from: "", to: describeOptionalClaims({ ...app.optionalClaims, saml2Token: [] }) }] : []),
  ];
  return { body, fields };
}

function appSteps(app: DesiredApp, state: CurrentState["portalApp"]): Step[] {
  if (state.sameName.length > 0) {
    const variable = app.key === "portal" ? "PORTAL_CLIENT_ID" : "CMK_APP_CLIENT_ID";
    return [{ kind: "blocked", title: `${state.sameName.length} app registrations are named "${app.displayName}" (${state.sameName.join(", ")})`, fix: `Set ${variable} to the client id of the one to use, or rename the others.` }];
  }
  if (!state.registration) {
    if (app.clientId) {
      const variable = app.key === "portal" ? "PORTAL_CLIENT_ID" : "CMK_APP_CLIENT_ID";
      return [{ kind: "blocked", title: `No app registration with client id ${app.clientId} (${variable}) in the provider tenant`, fix: `Correct ${variable}, or unset it to create "${app.displayName}".` }];
    }
    return [{ kind: "create-app", app: app.key, label: app.label, ...appCreateBody(app) }, { kind: "create-service-principal", app: app.key, label: app.label, appId: null }];
  }
  const reg = state.registration;
  const { patch, fields } = appPatch(app, reg);
  return [
    ...(fields.length > 0 ? [{ kind: "update-app" as const, app: app.key, label: app.label, objectId: reg.objectId, appId: reg.appId, patch, fields }] : []),
    ...(state.servicePrincipal ? [] : [{ kind: "create-service-principal" as const, app: app.key, label: app.label, appId: reg.appId }]),
  ];
}

// ── federated credential, role, assignments ─────────────────────────────────────────────────────

function ficSteps(label: string, appObjectId: string | null, fics: AppFederatedCredential[], want: DesiredFic, subject: string | null): Step[] {
  const matches = (f: AppFederatedCredential) => f.issuer === want.issuer && f.subject === subject && want.audiences.every((a) => f.audiences.includes(a));
  if (subject && fics.some(matches)) return [];
  const named = fics.find((f) => f.name === want.name);
  if (named && appObjectId && subject) {
    const patch = { issuer: want.issuer, subject, audiences: want.audiences };
    const fields: FieldChange[] = (["issuer", "subject"] as const).filter((k) => named[k] !== patch[k]).map((k) => ({ field: k, from: named[k], to: patch[k] }));
    if (!sameSet(named.audiences, want.audiences)) fields.push({ field: "audiences", from: list(named.audiences), to: list(want.audiences) });
    return [{ kind: "update-fic", label, appObjectId, ficId: named.id, name: named.name, patch, fields }];
  }
  if (!named && fics.length >= MAX_APP_FEDERATED_CREDENTIALS) {
    return [{ kind: "blocked", title: `The ${label} already has ${fics.length} federated credentials, Entra's limit is ${MAX_APP_FEDERATED_CREDENTIALS}`,
      fix: `Remove a federated credential the ${label} no longer needs (Entra ID → App registrations → the ${label} → Certificates & secrets → Federated credentials), then apply again.` }];
  }
  if (named) return [];
  return [{ kind: "create-fic", label, appObjectId, fic: { name: want.name, issuer: want.issuer, subject, audiences: want.audiences, description: want.description } }];
}

function customRoleSteps(current: CurrentState, desired: DesiredState): Step[] {
  const role: CustomRole = { id: customRoleId(current, desired), roleName: desired.customRole.roleName, description: desired.customRole.description,
    actions: desired.customRole.actions, assignableScopes: customRoleScopes(desired) };
  const existing = current.customRole;
  if (!existing) return [{ kind: "put-custom-role", role, create: true, fields: [{ field: "actions", from: "", to: list(role.actions) }, { field: "assignableScopes", from: "", to: list(role.assignableScopes) }] }];
  const fields: FieldChange[] = [];
  if (!sameSet(existing.actions, role.actions)) fields.push({ field: "actions", from: list(existing.actions), to: list(role.actions) });
  if (!sameSet(existing.assignableScopes, role.assignableScopes)) fields.push({ field: "assignableScopes", from: list(existing.assignableScopes), to: list(role.assignableScopes) });
  return fields.length ? [{ kind: "put-custom-role", role, create: false, fields }] : [];
}

function assignmentSteps(current: CurrentState, desired: DesiredState): Step[] {
  const principalId = current.identity?.principalId ?? null;
  const skipped = current.missingVmResourceGroups.map((g) => resourceGroupScope(desired, g).toLowerCase());
  return desiredAssignments(desired, customRoleId(current, desired))
    .filter((a) => !skipped.includes(a.scope.toLowerCase()))
    .filter((a) => !current.assignments.some((ra) => ra.scope.toLowerCase() === a.scope.toLowerCase() && ra.roleDefinitionId === a.roleId))
    .map((a) => ({ kind: "create-role-assignment" as const, ...a, principalId, name: principalId ? derivedGuid("roleAssignment", a.scope.toLowerCase(), a.roleId, principalId) : null }));
}

/** Every step that brings `current` to `desired`, in the order they must run; [] when nothing differs. */
export function plan(current: CurrentState, desired: DesiredState): Step[] {
  return [
    ...(current.resourceGroup ? [] : [{ kind: "create-resource-group" as const, name: desired.resourceGroup.name, location: desired.resourceGroup.location }]),
    ...current.missingVmResourceGroups.map((g): Step => ({ kind: "blocked", title: `Resource group ${g} (PROVIDER_VM_RESOURCE_GROUPS) does not exist`,
      fix: "Correct PROVIDER_VM_RESOURCE_GROUPS: it lists the resource groups of the VMs whose disks are encrypted." })),
    ...(current.identity ? [] : [{ kind: "create-identity" as const, ...desired.identity }]),
    ...appSteps(desired.portalApp, current.portalApp),
    ...appSteps(desired.cmkApp, current.cmkApp),
    ...ficSteps("CMK app", current.cmkApp.registration?.objectId ?? null, current.fics, desired.fic, current.identity?.principalId ?? null),
    ...ficSteps("portal app", current.portalApp.registration?.objectId ?? null, current.portalFics, desired.portalFic, current.identity?.principalId ?? null),
    ...customRoleSteps(current, desired),
    ...assignmentSteps(current, desired),
  ];
}

/** A step waits for a later round when it needs an id that an earlier step creates. */
export function isReady(step: Step): boolean {
  switch (step.kind) {
    case "create-service-principal": return step.appId !== null;
    case "create-fic": return step.appObjectId !== null && step.fic.subject !== null;
    case "create-role-assignment": return step.principalId !== null && step.name !== null;
    default: return true;
  }
}

/** The plan as a diff: `+` creates, `~` changes, `!` needs a person; values not known yet say so. */
export function describePlan(steps: Step[]): string[] {
  if (steps.length === 0) return ["No changes. The provider set-up matches the desired state."];
  const lines: string[] = [];
  const fieldLines = (fields: FieldChange[]) => fields.map((f) => (f.from === "" ? `    + ${f.field}: ${f.to}` : `    ~ ${f.field}: ${f.from} → ${f.to}`));
  for (const step of steps) {
    switch (step.kind) {
      case "create-resource-group": lines.push(`+ resource group ${step.name} (${step.location})`); break;
      case "create-identity": lines.push(`+ user-assigned managed identity ${step.name} in ${step.resourceGroup} (${step.location})`); break;
      case "create-app": lines.push(`+ ${step.label} registration "${step.body.displayName}"`, ...fieldLines(step.fields)); break;
      case "update-app": lines.push(`~ ${step.label} registration ${step.appId}`, ...fieldLines(step.fields)); break;
      case "create-service-principal": lines.push(`+ service principal of the ${step.label} in the provider tenant${step.appId ? ` (${step.appId})` : ""}`); break;
      case "create-fic":
        lines.push(`+ federated credential ${step.fic.name} on the ${step.label}`, `    + issuer: ${step.fic.issuer}`,
          `    + subject: ${step.fic.subject ?? "(principal id of the managed identity, known after apply)"}`, `    + audiences: ${list(step.fic.audiences)}`);
        break;
      case "update-fic": lines.push(`~ federated credential ${step.name} on the ${step.label}`, ...fieldLines(step.fields)); break;
      case "put-custom-role": lines.push(`${step.create ? "+" : "~"} custom role "${step.role.roleName}"`, ...fieldLines(step.fields)); break;
      case "create-role-assignment":
        lines.push(`+ role assignment: ${step.roleLabel} for the managed identity${step.principalId ? ` (${step.principalId})` : ""} at ${step.scope}`);
        break;
      case "blocked": lines.push(`! ${step.title}`, `    fix: ${step.fix}`); break;
    }
  }
  const counts = { add: steps.filter((s) => s.kind.startsWith("create") || (s.kind === "put-custom-role" && s.create)).length,
    change: steps.filter((s) => s.kind.startsWith("update") || (s.kind === "put-custom-role" && !s.create)).length, blocked: steps.filter((s) => s.kind === "blocked").length };
  lines.push(`Plan: ${counts.add} to add, ${counts.change} to change${counts.blocked ? `, ${counts.blocked} needing you` : ""}.`);
  return lines;
}
