// The environment block the portal needs once the set-up exists (the `.env.example` variables), without secrets.
import type { ProviderSetupEnv } from "../env";
import type { CurrentState } from "./current";
import { AppError } from "../errors";

/** `KEY=value` lines for the portal; production needs no client secret, so PORTAL_CLIENT_SECRET stays empty. */
export function portalEnvBlock(env: ProviderSetupEnv, current: CurrentState): string[] {
  const portal = current.portalApp.registration;
  const cmk = current.cmkApp.registration;
  const identity = current.identity;
  if (!portal || !cmk || !identity) {
    throw new AppError("NOT_FOUND", `The set-up is incomplete (${[!portal && "portal app", !cmk && "CMK app", !identity && "managed identity"].filter(Boolean).join(", ")} missing).`, {
      fix: "Run `npm run provider -- apply` first.",
    });
  }
  return [
    "# Written by `npm run provider -- env` from the provider tenant. No secret: the portal app authenticates its",
    "# on-behalf-of calls with the managed identity through its federated credential (PORTAL_CLIENT_SECRET is for demos).",
    `# Attach the identity to the portal's web and worker apps (Container Apps: \`az containerapp identity assign --name cmk-web --resource-group <rg> --user-assigned ${identity.id}\`, the same for cmk-worker; see docs/deploy.md step 4), and grant admin consent to the portal app.`,
    `APP_BASE_URL=${env.APP_BASE_URL}`,
    `AZURE_AUTHORITY_HOST=${env.AZURE_AUTHORITY_HOST}`,
    `AZURE_ARM_ENDPOINT=${env.AZURE_ARM_ENDPOINT}`,
    `AZURE_GRAPH_ENDPOINT=${env.AZURE_GRAPH_ENDPOINT}`,
    `PROVIDER_TENANT_ID=${env.PROVIDER_TENANT_ID}`,
    `PROVIDER_DISPLAY_NAME=${env.PROVIDER_DISPLAY_NAME}`,
    `CMK_APP_DISPLAY_NAME=${cmk.displayName}`,
    `PORTAL_CLIENT_ID=${portal.appId}`,
    "PORTAL_CLIENT_SECRET=",
    `CMK_APP_CLIENT_ID=${cmk.appId}`,
    `PROVIDER_SUBSCRIPTION_ID=${env.PROVIDER_SUBSCRIPTION_ID}`,
    `PROVIDER_RESOURCE_GROUP=${env.PROVIDER_RESOURCE_GROUP}`,
    `PROVIDER_DES_REGIONS=${env.PROVIDER_DES_REGIONS.join(",")}`,
    `PROVIDER_UAMI_RESOURCE_ID=${identity.id}`,
    `PROVIDER_UAMI_CLIENT_ID=${identity.clientId}`,
  ];
}

/** The same block as a map (for tests and tools that set the environment directly). */
export function portalEnvValues(env: ProviderSetupEnv, current: CurrentState): Record<string, string> {
  return Object.fromEntries(portalEnvBlock(env, current).filter((line) => !line.startsWith("#")).map((line) => {
    const at = line.indexOf("=");
    return [line.slice(0, at), line.slice(at + 1)];
  }));
}
