// How the provider's app gets access to one customer key: a role assignment on RBAC vaults, an access
// policy otherwise. Pure helpers (names, scopes, ready-to-paste commands for someone with the rights).
import { createHash } from "node:crypto";

export const CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID = "e147488a-f6f5-4113-8e2d-b22465e65bf6";
export const CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME = "Key Vault Crypto Service Encryption User";
export const ACCESS_POLICY_KEY_PERMISSIONS = ["get", "wrapKey", "unwrapKey"] as const;
/** What the admin needs on an RBAC vault to list and create keys (Owner alone has no data actions). */
export const CRYPTO_OFFICER_ROLE_ID = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
export const CRYPTO_OFFICER_ROLE_NAME = "Key Vault Crypto Officer";

export type VaultRef = { subscriptionId: string; resourceGroup: string; vaultName: string; vaultResourceId: string };

const VAULT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)$/i;

export function parseVaultResourceId(id: string): VaultRef | null {
  const match = VAULT_ID.exec(id);
  if (!match) return null;
  return { subscriptionId: match[1]!, resourceGroup: match[2]!, vaultName: match[3]!, vaultResourceId: id };
}

/** The narrowest scope: the key itself (the role then covers every version of that key, nothing else). */
export function keyScope(vaultResourceId: string, keyName: string): string {
  return `${vaultResourceId}/keys/${keyName}`;
}

export function roleDefinitionId(subscriptionId: string, roleId: string = CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/** A deterministic assignment name (a GUID) per scope + principal + role, so repeating the grant is a no-op. */
export function roleAssignmentName(scope: string, principalId: string, roleId: string = CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID): string {
  const hex = createHash("sha256").update(`${scope.toLowerCase()}|${principalId.toLowerCase()}|${roleId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Does an assignment at `assignmentScope` cover `keyScopeId`? (same scope, or a parent scope). */
export function scopeCovers(assignmentScope: string, keyScopeId: string): boolean {
  const parent = assignmentScope.toLowerCase().replace(/\/+$/, "");
  const child = keyScopeId.toLowerCase();
  return parent === "/" || child === parent || child.startsWith(`${parent}/`);
}

/** `cliNote`: why the CLI command looks the way it does (shown under it), when there is something to say. */
export type AccessSnippets = { cli: string; powershell: string; cliNote?: string };

/**
 * Git Bash on Windows (MSYS) rewrites arguments that start with "/" into Windows paths, which turns the
 * "/subscriptions/…" scope into "C:/Program Files/Git/subscriptions/…". MSYS_NO_PATHCONV=1 for that one command
 * turns the rewriting off; other shells (bash, zsh, Cloud Shell) just set an unused variable.
 */
export const GIT_BASH_NOTE = "MSYS_NO_PATHCONV=1 keeps Git Bash on Windows from turning the /subscriptions/… scope into a Windows file path; other shells ignore it.";

export function accessSnippets(input: { permissionModel: "RBAC" | "ACCESS_POLICY"; vault: VaultRef; keyName: string; servicePrincipalObjectId: string }): AccessSnippets {
  const { vault, keyName, servicePrincipalObjectId: sp } = input;
  if (input.permissionModel === "RBAC") {
    const scope = keyScope(vault.vaultResourceId, keyName);
    return {
      cli: [
        "MSYS_NO_PATHCONV=1 az role assignment create \\",
        `  --role "${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}" \\`,
        `  --assignee-object-id ${sp} \\`,
        "  --assignee-principal-type ServicePrincipal \\",
        `  --scope "${scope}"`,
      ].join("\n"),
      cliNote: GIT_BASH_NOTE,
      powershell: [
        `Set-AzContext -Subscription "${vault.subscriptionId}"`,
        "New-AzRoleAssignment `",
        `  -ObjectId "${sp}" \``,
        `  -RoleDefinitionName "${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}" \``,
        `  -Scope "${scope}"`,
      ].join("\n"),
    };
  }
  return {
    cli: [
      "az keyvault set-policy \\",
      `  --subscription ${vault.subscriptionId} \\`,
      `  --name ${vault.vaultName} \\`,
      `  --object-id ${sp} \\`,
      `  --key-permissions ${ACCESS_POLICY_KEY_PERMISSIONS.join(" ")}`,
    ].join("\n"),
    powershell: [
      `Set-AzContext -Subscription "${vault.subscriptionId}"`,
      "Set-AzKeyVaultAccessPolicy `",
      `  -VaultName "${vault.vaultName}" \``,
      `  -ObjectId "${sp}" \``,
      `  -PermissionsToKeys ${ACCESS_POLICY_KEY_PERMISSIONS.join(",")}`,
    ].join("\n"),
  };
}
