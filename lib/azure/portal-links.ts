// Links into the Azure portal for the customer's own resources (the status page).
// Formats: a resource blade is `https://portal.azure.com/#@{tenant}/resource{resourceId}[/{menu}]` (the form the
// portal itself puts in the address bar; `/users` opens "Access control (IAM)", `/keys` the vault's key list), and an
// enterprise application is `#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/{spObjectId}/appId/{appId}`
// (the Entra admin blade of a service principal). Portal hosts per cloud: learn.microsoft.com/azure/azure-government/
// compare-azure-government-global-azure (portal.azure.us) and learn.microsoft.com/azure/china/resources-developer-guide
// (portal.azure.cn).
import { authorityHostName } from "./endpoints";

const PORTAL_BY_AUTHORITY: Record<string, string> = {
  "login.microsoftonline.com": "https://portal.azure.com",
  "login.microsoftonline.us": "https://portal.azure.us",
  "login.chinacloudapi.cn": "https://portal.azure.cn",
  "login.partner.microsoftonline.cn": "https://portal.azure.cn",
};

/** The portal of the configured cloud; the public portal for unknown hosts (the simulator has no portal). */
export function portalHost(authorityHost: string = authorityHostName()): string {
  return PORTAL_BY_AUTHORITY[authorityHost] ?? "https://portal.azure.com";
}

export type CustomerPortalLinks = { vault: string; key: string; keyAccessControl: string; enterpriseApp: string | null };

export function customerPortalLinks(input: {
  portal: string;
  tenantId: string;
  vaultResourceId: string;
  keyName: string;
  cmkAppClientId: string;
  servicePrincipalObjectId: string | null;
}): CustomerPortalLinks {
  const resource = (id: string) => `${input.portal}/#@${input.tenantId}/resource${id}`;
  const keyId = `${input.vaultResourceId}/keys/${encodeURIComponent(input.keyName)}`;
  return {
    vault: resource(input.vaultResourceId),
    key: resource(keyId),
    // The provider's role is assigned at the key's scope: the key's "Access control (IAM)" lists it.
    keyAccessControl: `${resource(keyId)}/users`,
    enterpriseApp: input.servicePrincipalObjectId
      ? `${input.portal}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/${input.servicePrincipalObjectId}/appId/${input.cmkAppClientId}`
      : null,
  };
}
