// The disk encryption set the provider creates for one customer tenant in one region: its name, its
// definition, and whether what Azure holds already matches it (so a re-run changes nothing).
import { ComputeManagementClient, type DiskEncryptionSet as ArmDiskEncryptionSet } from "@azure/arm-compute";
import type { AdditionalPolicyConfig } from "@azure/core-client";
import type { DesProvisioningState } from "../db/generated/prisma/enums";
import { serverEnv } from "../env";
import { ARM_SCOPE } from "../azure/endpoints";
import { providerManagedIdentity } from "../azure/credentials";
import { parseRetryAfter } from "./azure-errors";

/** Deterministic: the same tenant and region always name the same Azure resource (ARM PUT is then idempotent). */
export function desNameFor(entraTenantId: string, region: string): string {
  return `cmk-${entraTenantId.toLowerCase()}-${region.toLowerCase()}`.slice(0, 80);
}

export type DesiredDes = { name: string; region: string; keyUrl: string; rotationToLatest: boolean };

export function desDefinition(desired: DesiredDes): ArmDiskEncryptionSet {
  const env = serverEnv();
  return {
    location: desired.region,
    identity: { type: "UserAssigned", userAssignedIdentities: { [env.PROVIDER_UAMI_RESOURCE_ID]: {} } },
    encryptionType: "EncryptionAtRestWithCustomerKey",
    activeKey: { keyUrl: desired.keyUrl },
    federatedClientId: env.CMK_APP_CLIENT_ID,
    rotationToLatestKeyVersionEnabled: desired.rotationToLatest,
    tags: { "cmk-portal": "managed" },
  };
}

const same = (a: string | undefined, b: string | undefined) => (a ?? "").toLowerCase() === (b ?? "").toLowerCase();

/**
 * Whether an existing DES already is what we want. With auto-rotation on, Azure moves activeKey to newer
 * versions of the same key by itself: any version of the same key is then a match.
 */
export function matchesDesired(existing: ArmDiskEncryptionSet, desired: DesiredDes): boolean {
  const env = serverEnv();
  const identities = Object.keys(existing.identity?.userAssignedIdentities ?? {});
  const keyMatches = desired.rotationToLatest
    ? same(existing.activeKey?.keyUrl?.replace(/\/[^/]+$/, ""), desired.keyUrl.replace(/\/[^/]+$/, ""))
    : same(existing.activeKey?.keyUrl, desired.keyUrl);
  return (
    keyMatches &&
    same(existing.federatedClientId, env.CMK_APP_CLIENT_ID) &&
    existing.encryptionType === "EncryptionAtRestWithCustomerKey" &&
    identities.length === 1 &&
    same(identities[0], env.PROVIDER_UAMI_RESOURCE_ID) &&
    Boolean(existing.rotationToLatestKeyVersionEnabled) === desired.rotationToLatest
  );
}

export function isTerminalArmState(state: string | undefined): boolean {
  return state === undefined || ["Succeeded", "Failed", "Canceled"].includes(state);
}

/**
 * Compute client as the provider's managed identity. By default retries are ours (recorded per attempt), so the
 * SDK makes none; reads for pages may let the SDK retry. `onRetryAfter` hears every Retry-After Azure sends
 * (long-running operations say there how long to wait before the next poll). `beforeRequest` runs before every
 * request the client sends, the SDK's own ones included (each poll of a long-running operation, and the GET of the
 * resource when it ends): the place to take a token from a shared ARM budget for exactly the requests that go out.
 */
export function providerCompute(options: { sdkRetries?: number; onRetryAfter?: (ms: number) => void; beforeRequest?: (method: string) => Promise<void> } = {}): ComputeManagementClient {
  const env = serverEnv();
  const { onRetryAfter, beforeRequest } = options;
  // One policy for both hooks: before the request (a budget's token), after it (the Retry-After Azure sent).
  const policies: AdditionalPolicyConfig[] = beforeRequest || onRetryAfter
    ? [{
      position: "perCall",
      policy: {
        name: "armRequestHooks",
        async sendRequest(request, next) {
          await beforeRequest?.(request.method);
          const response = await next(request);
          const ms = parseRetryAfter(response.headers.get("retry-after") ?? undefined);
          if (ms !== undefined) onRetryAfter?.(ms);
          return response;
        },
      },
    }]
    : [];
  return new ComputeManagementClient(providerManagedIdentity(), env.PROVIDER_SUBSCRIPTION_ID, {
    endpoint: env.AZURE_ARM_ENDPOINT,
    credentials: { scopes: [ARM_SCOPE] },
    retryOptions: { maxRetries: options.sdkRetries ?? 0 },
    additionalPolicies: policies,
  });
}

/** Allowed moves of DiskEncryptionSet.provisioningState (the row, not Azure's field). */
const TRANSITIONS: Record<DesProvisioningState, DesProvisioningState[]> = {
  QUEUED: ["CREATING", "FAILED"],
  CREATING: ["SUCCEEDED", "FAILED", "CREATING"],
  SUCCEEDED: ["UPDATING", "DELETING"],
  UPDATING: ["SUCCEEDED", "FAILED", "DELETING"],
  FAILED: ["QUEUED", "DELETING"],
  // Offboarding deletes the DES in Azure; the row stays as history.
  DELETING: ["FAILED", "DELETED"],
  DELETED: [],
};

export function canTransition(from: DesProvisioningState, to: DesProvisioningState): boolean {
  return TRANSITIONS[from].includes(to);
}
