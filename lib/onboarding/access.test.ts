import { describe, expect, it } from "vitest";
import { accessSnippets, keyScope, parseVaultResourceId, roleAssignmentName, scopeCovers } from "./access";

const VAULT_ID = "/subscriptions/aaaa0000-0000-4000-8000-000000000001/resourceGroups/cmk-rg/providers/Microsoft.KeyVault/vaults/contoso-cmk";
const SP = "9b1f6d2e-2c4a-4d8e-9f00-123456789abc";

describe("access helpers", () => {
  it("parses a vault id", () => {
    expect(parseVaultResourceId(VAULT_ID)).toMatchObject({ resourceGroup: "cmk-rg", vaultName: "contoso-cmk" });
    expect(parseVaultResourceId("/subscriptions/x/resourceGroups/y")).toBeNull();
  });

  it("names assignments deterministically as GUIDs (the same grant twice is the same assignment)", () => {
    const a = roleAssignmentName(keyScope(VAULT_ID, "disk-key"), SP);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(roleAssignmentName(keyScope(VAULT_ID, "disk-key").toUpperCase(), SP)).toBe(a);
    expect(roleAssignmentName(keyScope(VAULT_ID, "other-key"), SP)).not.toBe(a);
  });

  it("knows which assignment scopes cover a key", () => {
    const scope = keyScope(VAULT_ID, "disk-key");
    expect(scopeCovers(scope, scope)).toBe(true);
    expect(scopeCovers(VAULT_ID, scope)).toBe(true);
    expect(scopeCovers("/subscriptions/aaaa0000-0000-4000-8000-000000000001", scope)).toBe(true);
    expect(scopeCovers(keyScope(VAULT_ID, "other-key"), scope)).toBe(false);
    expect(scopeCovers(`${VAULT_ID}-2`, scope)).toBe(false);
  });

  it("gives ready-to-paste commands for RBAC and access-policy vaults", () => {
    const vault = parseVaultResourceId(VAULT_ID)!;
    const rbac = accessSnippets({ permissionModel: "RBAC", vault, keyName: "disk-key", servicePrincipalObjectId: SP });
    expect(rbac.cli).toContain(`--assignee-object-id ${SP}`);
    expect(rbac.cli).toContain("--assignee-principal-type ServicePrincipal");
    expect(rbac.cli).toContain(`--scope "${VAULT_ID}/keys/disk-key"`);
    expect(rbac.powershell).toContain('-RoleDefinitionName "Key Vault Crypto Service Encryption User"');
    const policy = accessSnippets({ permissionModel: "ACCESS_POLICY", vault, keyName: "disk-key", servicePrincipalObjectId: SP });
    expect(policy.cli).toContain("--key-permissions get wrapKey unwrapKey");
    expect(policy.powershell).toContain("-PermissionsToKeys get,wrapKey,unwrapKey");
  });

  it("makes the CLI command safe on Windows Git Bash, which would rewrite the /subscriptions/… scope into a file path", () => {
    const vault = parseVaultResourceId(VAULT_ID)!;
    const rbac = accessSnippets({ permissionModel: "RBAC", vault, keyName: "disk-key", servicePrincipalObjectId: SP });
    expect(rbac.cli.split("\n")[0]).toBe("MSYS_NO_PATHCONV=1 az role assignment create \\");
    expect(rbac.cliNote).toContain("Git Bash");
    // The access-policy command has no path-like argument: nothing to protect, no note.
    const policy = accessSnippets({ permissionModel: "ACCESS_POLICY", vault, keyName: "disk-key", servicePrincipalObjectId: SP });
    expect(policy.cli).not.toContain("MSYS_NO_PATHCONV");
    expect(policy.cliNote).toBeUndefined();
  });
});
