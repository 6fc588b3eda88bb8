import { describe, expect, it } from "vitest";
import { customerPortalLinks, portalHost } from "./portal-links";

const vaultResourceId = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso";

describe("portal links", () => {
  it("uses the configured cloud's portal", () => {
    expect(portalHost("login.microsoftonline.com")).toBe("https://portal.azure.com");
    expect(portalHost("login.microsoftonline.us")).toBe("https://portal.azure.us");
    expect(portalHost("login.chinacloudapi.cn")).toBe("https://portal.azure.cn");
    expect(portalHost("localhost:9443")).toBe("https://portal.azure.com");
  });

  it("builds exact deep links to the vault, key, its access control and the enterprise app", () => {
    const links = customerPortalLinks({
      portal: "https://portal.azure.com",
      tenantId: "22222222-2222-2222-2222-222222222222",
      vaultResourceId,
      keyName: "disk-key",
      cmkAppClientId: "33333333-3333-3333-3333-333333333333",
      servicePrincipalObjectId: "44444444-4444-4444-4444-444444444444",
    });
    expect(links).toEqual({
      vault: `https://portal.azure.com/#@22222222-2222-2222-2222-222222222222/resource${vaultResourceId}`,
      key: `https://portal.azure.com/#@22222222-2222-2222-2222-222222222222/resource${vaultResourceId}/keys/disk-key`,
      keyAccessControl: `https://portal.azure.com/#@22222222-2222-2222-2222-222222222222/resource${vaultResourceId}/keys/disk-key/users`,
      enterpriseApp: "https://portal.azure.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/44444444-4444-4444-4444-444444444444/appId/33333333-3333-3333-3333-333333333333",
    });
  });

  it("has no enterprise-app link before the service principal is known", () => {
    const links = customerPortalLinks({ portal: "https://portal.azure.us", tenantId: "t", vaultResourceId, keyName: "k", cmkAppClientId: "a", servicePrincipalObjectId: null });
    expect(links.enterpriseApp).toBeNull();
    expect(links.vault.startsWith("https://portal.azure.us/#@t/resource/subscriptions/")).toBe(true);
  });
});
