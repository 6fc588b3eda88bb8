// The provider's "Phase 1" set-up as data: what must exist in the provider tenant for cross-tenant CMK
// (https://learn.microsoft.com/azure/virtual-machines/disks-cross-tenant-customer-managed-keys), derived
// from the set-up environment only. plan.ts compares it with what Azure holds.
import { createHash } from "node:crypto";
import type { ProviderSetupEnv } from "../env";

/** Azure Service Management (ARM) and its delegated `user_impersonation` scope: the portal calls ARM on behalf of users. */
export const ARM_RESOURCE_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
export const ARM_USER_IMPERSONATION_SCOPE_ID = "41094075-9dad-400e-a0bd-54e686782033";
/** Azure Key Vault and its delegated `user_impersonation` scope: the portal calls the customer's vault on their behalf. */
export const KEY_VAULT_RESOURCE_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
export const KEY_VAULT_USER_IMPERSONATION_SCOPE_ID = "f53da476-18e3-4152-8e01-aec403e6edc0";
export const GRAPH_RESOURCE_APP_ID = "00000003-0000-0000-c000-000000000000";
/** Built-in "Managed Identity Operator": read and assign the identity (a DES PUT needs `userAssignedIdentities/assign/action`). */
export const MANAGED_IDENTITY_OPERATOR_ROLE_ID = "f1a07417-d97a-45cb-824c-7a7467783830";
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/** Entra allows at most 20 federated identity credentials per application. */
export const MAX_APP_FEDERATED_CREDENTIALS = 20;

/**
 * What the identity does in the provider subscription, and nothing more: create, rotate and delete disk
 * encryption sets; read disks; read, deallocate and start VMs (revocation and restore). No built-in role is
 * this narrow (Virtual Machine Contributor also writes VMs and disks), so the set-up creates this one.
 */
export const DISK_ENCRYPTION_OPERATOR_ACTIONS = [
  "Microsoft.Compute/diskEncryptionSets/read",
  "Microsoft.Compute/diskEncryptionSets/write",
  "Microsoft.Compute/diskEncryptionSets/delete",
  "Microsoft.Compute/disks/read",
  "Microsoft.Compute/virtualMachines/read",
  "Microsoft.Compute/virtualMachines/deallocate/action",
  "Microsoft.Compute/virtualMachines/start/action",
];

/** A GUID derived from its parts: the same desired object gets the same id on every run (idempotent writes). */
export function derivedGuid(...parts: string[]): string {
  const hex = createHash("sha256").update(parts.join("|")).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export type DesiredScope = { value: string; adminConsentDisplayName: string; adminConsentDescription: string; userConsentDisplayName: string; userConsentDescription: string };
/** `allowedMemberTypes`: users only unless said (Application lets an app hold it, for app-only calls to /api/v1). */
export type DesiredAppRole = { value: string; displayName: string; description: string; allowedMemberTypes?: ("User" | "Application")[] };

export type DesiredApp = {
  key: "portal" | "cmk";
  /** How the plan and checks name it. */
  label: string;
  displayName: string;
  /** Adopt this existing registration instead of looking it up by display name. */
  clientId?: string;
  signInAudience: "AzureADMultipleOrgs";
  spaRedirectUris: string[];
  webRedirectUris: string[];
  /** `api.requestedAccessTokenVersion`; undefined = not managed. */
  requestedAccessTokenVersion?: 2;
  /** Expose `api://{appId}` with these delegated scopes. */
  scopes: DesiredScope[];
  appRoles: DesiredAppRole[];
  /** Delegated permissions the app must declare. */
  requiredPermissions: { resourceAppId: string; scopeId: string; name: string }[];
  /** Declared permissions on these APIs are removed (the CMK app needs no Microsoft Graph permission). */
  forbiddenResourceAppIds: string[];
  /** `groupMembershipClaims`; undefined = not managed. DirectoryRole puts the user's directory roles in `wids`. */
  groupMembershipClaims?: "DirectoryRole";
  /** Optional claims that must be configured (others already there are kept); undefined = not managed. */
  optionalClaims?: { idToken: string[]; accessToken: string[] };
};

export type DesiredFic = { name: string; description: string; issuer: string; audiences: string[] };

export type DesiredState = {
  tenantId: string;
  subscriptionId: string;
  authorityHost: string;
  portalApp: DesiredApp;
  cmkApp: DesiredApp;
  resourceGroup: { name: string; location: string };
  /** Where the customers' VMs and disks live (the identity deallocates and starts them). */
  vmResourceGroups: string[];
  identity: { name: string; resourceGroup: string; location: string };
  /** The CMK app trusts the identity: disk encryption sets reach customer vaults through it. */
  fic: DesiredFic;
  /** The portal app trusts the identity too: its on-behalf-of client credential, so production holds no secret. */
  portalFic: DesiredFic;
  customRole: { roleName: string; description: string; actions: string[] };
};

export const PORTAL_APP_ROLES: DesiredAppRole[] = [
  { value: "Operator", displayName: "Operator", description: "Sees every customer tenant's state, health and history.", allowedMemberTypes: ["User", "Application"] },
  { value: "Support", displayName: "Support", description: "Rotates or revokes a customer's key, with approval.", allowedMemberTypes: ["User", "Application"] },
  { value: "SupportApprover", displayName: "Support approver", description: "Approves another support engineer's revocation or restore." },
  { value: "AuditReader", displayName: "Audit reader", description: "Reads and exports the full audit log of every customer tenant." },
  // Assigned by each customer in their own tenant (Enterprise applications → CMK Portal → Users and groups).
  { value: "Customer.Admin", displayName: "Customer administrator", description: "Sets up and manages the organization's key connection (onboarding, rotation, restore confirmation)." },
  { value: "Customer.Reader", displayName: "Customer reader", description: "Sees the organization's key status and audit log, changes nothing." },
  // Assigned by each customer to its own pipeline's app (Graph appRoleAssignedTo): onboards and reads status through /api/v1.
  { value: "Customer.Automation", displayName: "Customer automation", description: "A customer's pipeline: onboards a key and reads status through the portal's API.", allowedMemberTypes: ["Application"] },
];

/**
 * Claims the portal decides on: `wids` (directory roles, the Customer.Admin fallback), `acct` (guests are refused),
 * `auth_time` (step-up) and `acrs` (Conditional Access authentication context), per
 * learn.microsoft.com/entra/identity-platform/optional-claims-reference and access-token-claims-reference.
 */
export const PORTAL_OPTIONAL_CLAIMS = { idToken: ["acct", "auth_time"], accessToken: ["acct", "auth_time", "acrs"] };

export function desiredState(env: ProviderSetupEnv): DesiredState {
  const base = env.APP_BASE_URL;
  const location = env.PROVIDER_DES_REGIONS[0] ?? "westeurope";
  const vmResourceGroups = env.PROVIDER_VM_RESOURCE_GROUPS.length > 0 ? env.PROVIDER_VM_RESOURCE_GROUPS : [env.PROVIDER_RESOURCE_GROUP];
  return {
    tenantId: env.PROVIDER_TENANT_ID,
    subscriptionId: env.PROVIDER_SUBSCRIPTION_ID,
    authorityHost: env.AZURE_AUTHORITY_HOST,
    portalApp: {
      key: "portal", label: "portal app", displayName: env.PORTAL_APP_DISPLAY_NAME, clientId: env.PORTAL_CLIENT_ID,
      signInAudience: "AzureADMultipleOrgs",
      // The browser redeems the sign-in code itself (MSAL.js, PKCE): only the SPA platform allows that cross-origin.
      spaRedirectUris: [`${base}/auth/callback`],
      webRedirectUris: [],
      requestedAccessTokenVersion: 2,
      scopes: [{
        value: "access_as_user", adminConsentDisplayName: "Use the CMK portal", adminConsentDescription: "Lets the CMK portal act for the signed-in user.",
        userConsentDisplayName: "Use the CMK portal", userConsentDescription: "Lets the CMK portal act for you.",
      }],
      appRoles: PORTAL_APP_ROLES,
      // What the portal calls on-behalf-of (DELEGATED_AZURE_SCOPES in lib/azure/endpoints.ts); AADSTS65001 without them.
      requiredPermissions: [
        { resourceAppId: ARM_RESOURCE_APP_ID, scopeId: ARM_USER_IMPERSONATION_SCOPE_ID, name: "Azure Service Management user_impersonation" },
        { resourceAppId: KEY_VAULT_RESOURCE_APP_ID, scopeId: KEY_VAULT_USER_IMPERSONATION_SCOPE_ID, name: "Azure Key Vault user_impersonation" },
      ],
      forbiddenResourceAppIds: [],
      groupMembershipClaims: "DirectoryRole",
      optionalClaims: PORTAL_OPTIONAL_CLAIMS,
    },
    cmkApp: {
      key: "cmk", label: "CMK app", displayName: env.CMK_APP_DISPLAY_NAME, clientId: env.CMK_APP_CLIENT_ID,
      signInAudience: "AzureADMultipleOrgs",
      spaRedirectUris: [],
      // Admin consent returns to the server (customer wizard and the shareable link).
      webRedirectUris: [`${base}/api/consent/callback`, `${base}/consent/callback`],
      scopes: [],
      appRoles: [],
      requiredPermissions: [],
      forbiddenResourceAppIds: [GRAPH_RESOURCE_APP_ID],
    },
    resourceGroup: { name: env.PROVIDER_RESOURCE_GROUP, location },
    vmResourceGroups,
    identity: { name: env.PROVIDER_UAMI_NAME, resourceGroup: env.PROVIDER_RESOURCE_GROUP, location },
    fic: {
      name: `${env.PROVIDER_UAMI_NAME}-cmk`,
      description: "Managed identity of the provider's disk encryption sets (cross-tenant customer-managed keys)",
      // Managed identities issue tokens as the provider tenant's v2 issuer.
      issuer: `${env.AZURE_AUTHORITY_HOST}/${env.PROVIDER_TENANT_ID}/v2.0`,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
    },
    portalFic: {
      name: `${env.PROVIDER_UAMI_NAME}-portal`,
      description: "The portal's client credential for on-behalf-of calls (no client secret in production)",
      issuer: `${env.AZURE_AUTHORITY_HOST}/${env.PROVIDER_TENANT_ID}/v2.0`,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
    },
    customRole: {
      roleName: `CMK disk encryption operator (${env.PROVIDER_RESOURCE_GROUP})`,
      description: "Create and rotate disk encryption sets; read disks; read, deallocate and start VMs. Used by the CMK portal's managed identity.",
      actions: DISK_ENCRYPTION_OPERATOR_ACTIONS,
    },
  };
}
