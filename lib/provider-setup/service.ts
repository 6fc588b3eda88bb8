// `npm run provider -- plan|apply|check|env`: the provider's Azure "Phase 1" set-up as code.
import type { TokenCredential } from "@azure/core-auth";
import { AppRegistrations } from "../azure/app-registrations";
import { ProviderArm } from "../azure/provider-arm";
import { serverEnv, type ProviderSetupEnv } from "../env";
import { checkProviderReadiness } from "../provisioning/readiness";
import { applyDesiredState, type ApplyOptions } from "./apply";
import { registrationChecks, type SetupCheck } from "./checks";
import { readCurrentState, type Adapters, type CurrentState } from "./current";
import { desiredState, type DesiredState } from "./desired";
import { portalEnvBlock } from "./env-block";
import { plan, type Step } from "./plan";

export type ProviderSetup = {
  desired: DesiredState;
  adapters: Adapters;
  current(): Promise<CurrentState>;
  plan(): Promise<Step[]>;
  apply(options?: ApplyOptions): Promise<Step[]>;
  /** Registration checks, then the portal's readiness checks when they can run here (`readiness` false otherwise). */
  check(): Promise<{ checks: SetupCheck[]; readiness: boolean }>;
  env(): Promise<string[]>;
};

export function providerSetup(env: ProviderSetupEnv, credential: TokenCredential): ProviderSetup {
  const desired = desiredState(env);
  const adapters: Adapters = { graph: new AppRegistrations(env.AZURE_GRAPH_ENDPOINT, credential), arm: new ProviderArm(env.AZURE_ARM_ENDPOINT, credential, env.PROVIDER_SUBSCRIPTION_ID) };
  const current = () => readCurrentState(adapters, desired);
  return {
    desired,
    adapters,
    current,
    plan: async () => plan(await current(), desired),
    apply: (options) => applyDesiredState(adapters, desired, options),
    check: async () => {
      const readiness = await productReadiness();
      return { checks: [...registrationChecks(await current(), desired), ...(readiness ?? [])], readiness: readiness !== undefined };
    },
    env: async () => portalEnvBlock(env, await current()),
  };
}

/**
 * The portal's own readiness checks (lib/provisioning/readiness.ts), which run as the portal's managed identity:
 * only where the portal's environment and managed identity endpoint exist (on its host, or against the simulator).
 */
async function productReadiness(): Promise<SetupCheck[] | undefined> {
  let hasIdentityEndpoint: boolean;
  try {
    hasIdentityEndpoint = Boolean(serverEnv().IDENTITY_ENDPOINT);
  } catch {
    hasIdentityEndpoint = false;
  }
  if (!hasIdentityEndpoint) return undefined;
  const report = await checkProviderReadiness();
  return report.items.map((item) => ({ id: `readiness-${item.id}`, title: `Portal readiness: ${item.title}`, ok: item.ok, detail: item.detail,
    ...(item.fix ? { fix: item.fix } : {}), ...(item.warning ? { warning: true } : {}) }));
}
