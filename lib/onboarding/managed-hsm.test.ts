import { describe, expect, it } from "vitest";
import { HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID, hsmRoleAssignmentName, hsmRoleAssignmentUrl, parseHsmRoleAssignmentUrl } from "../azure/managed-hsm";
import { hsmAccessSnippets } from "./managed-hsm";

const sp = "0f0e0d0c-0000-4000-8000-000000000001";

describe("Managed HSM access snippets", () => {
  it("assign the local role at the key's scope with az and PowerShell, Git Bash kept from rewriting /keys/…", () => {
    const snippets = hsmAccessSnippets({ hsmName: "woodgrove-hsm", keyName: "disk-key", servicePrincipalObjectId: sp });
    expect(snippets.cli).toBe([
      "MSYS_NO_PATHCONV=1 az keyvault role assignment create \\",
      "  --hsm-name woodgrove-hsm \\",
      '  --role "Managed HSM Crypto Service Encryption User" \\',
      "  --scope /keys/disk-key \\",
      `  --assignee-object-id ${sp} \\`,
      "  --assignee-principal-type ServicePrincipal",
    ].join("\n"));
    expect(snippets.cliNote).toContain("/keys/…");
    expect(snippets.powershell).toContain('New-AzKeyVaultRoleAssignment `\n  -HsmName "woodgrove-hsm" `');
    expect(snippets.powershell).toContain('-Scope "/keys/disk-key"');
    expect(snippets.powershell).toContain(`-ObjectId "${sp}"`);
  });
});

describe("Managed HSM role assignment names", () => {
  it("are GUIDs, the same for the same pool, scope, principal and role, and differ otherwise", () => {
    const name = hsmRoleAssignmentName("https://a.managedhsm.azure.net/", "/keys/k", sp);
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hsmRoleAssignmentName("https://A.managedhsm.azure.net/", "/KEYS/K", sp.toUpperCase(), HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID)).toBe(name);
    expect(hsmRoleAssignmentName("https://a.managedhsm.azure.net/", "/keys/other", sp)).not.toBe(name);
    expect(hsmRoleAssignmentName("https://b.managedhsm.azure.net/", "/keys/k", sp)).not.toBe(name);
  });
});

describe("Managed HSM role assignment URLs (what the portal records to undo a grant)", () => {
  it("name the pool, the local scope and the assignment, and parse back", () => {
    const name = hsmRoleAssignmentName("https://a.managedhsm.azure.net/", "/keys/k", sp);
    const url = hsmRoleAssignmentUrl("https://a.managedhsm.azure.net/", "/keys/k", name);
    expect(url).toBe(`https://a.managedhsm.azure.net/keys/k/providers/Microsoft.Authorization/roleAssignments/${name}`);
    expect(parseHsmRoleAssignmentUrl(url)).toEqual({ hsmUri: "https://a.managedhsm.azure.net/", scope: "/keys/k", name });
    expect(parseHsmRoleAssignmentUrl(hsmRoleAssignmentUrl("https://a.managedhsm.azure.net/", "/", name))).toEqual({ hsmUri: "https://a.managedhsm.azure.net/", scope: "/", name });
    expect(parseHsmRoleAssignmentUrl("https://a.managedhsm.azure.net/secrets/x/providers/Microsoft.Authorization/roleAssignments/" + name)).toBeNull();
    expect(parseHsmRoleAssignmentUrl("not a url")).toBeNull();
  });
});
