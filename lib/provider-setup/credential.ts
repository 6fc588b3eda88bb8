// Who runs the set-up: the operator, signed in through @azure/identity. Chosen by PROVIDER_SETUP_CREDENTIAL:
// the Azure CLI login (falling back to a device code when there is none), a device code, or an automation
// app's client secret (CI, and the simulator's provider-empty scenario).
import type { TokenCredential } from "@azure/core-auth";
import { AzureCliCredential, ChainedTokenCredential, ClientSecretCredential, DeviceCodeCredential } from "@azure/identity";
import type { ProviderSetupEnv } from "../env";

export function operatorCredential(env: ProviderSetupEnv, prompt: (message: string) => void): TokenCredential {
  const authority = { authorityHost: env.AZURE_AUTHORITY_HOST, disableInstanceDiscovery: true };
  const deviceCode = () => new DeviceCodeCredential({ tenantId: env.PROVIDER_TENANT_ID, ...authority, userPromptCallback: (info) => prompt(info.message) });
  switch (env.PROVIDER_SETUP_CREDENTIAL) {
    case "client-secret":
      return new ClientSecretCredential(env.PROVIDER_TENANT_ID, env.PROVIDER_SETUP_CLIENT_ID ?? "", env.PROVIDER_SETUP_CLIENT_SECRET ?? "", authority);
    case "device-code":
      return deviceCode();
    case "azure-cli":
      return new ChainedTokenCredential(new AzureCliCredential({ tenantId: env.PROVIDER_TENANT_ID }), deviceCode());
  }
}
