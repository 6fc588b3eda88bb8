// The zod schemas of /api/v1: the handlers parse requests and shape responses with them, and the OpenAPI document
// (lib/api/openapi.ts) is generated from the very same objects, so the two cannot drift apart.
import "zod-openapi";
import { z } from "zod";

const uuid = (what: string) => z.string().uuid(`Send the ${what} as a GUID.`);
const timestamp = z.string().datetime().nullable();

// ─── Requests ─────────────────────────────────────────────────────────────

export const submitKeyBody = z
  .object({
    keyUrl: z.string().trim().min(1, "Send keyUrl.").max(500, "A key URL is shorter than 500 characters.").meta({
      description: "The versioned key identifier, in a key vault (https://{vault}.vault.azure.net/keys/{name}/{version}) or a Managed HSM (https://{pool}.managedhsm.azure.net/keys/{name}/{version}).",
      example: "https://example-cmk-kv.vault.azure.net/keys/disk-key/0123456789abcdef0123456789abcdef",
    }),
    vaultResourceId: z.string().trim().min(1, "Send vaultResourceId.").max(400).meta({
      description: "The ARM resource id of the key's vault (…/providers/Microsoft.KeyVault/vaults/{name}) or Managed HSM pool (…/providers/Microsoft.KeyVault/managedHSMs/{name}); its name must be the key URL's.",
      example: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/example-keys-rg/providers/Microsoft.KeyVault/vaults/example-cmk-kv",
    }),
    region: z.string().trim().min(1, "Send the region of your disks, or leave region out.").max(40).optional().meta({
      description: "Where the disk encryption set is created: the key's region (one of the provider's). The portal takes it from the key's vault or pool when that says it, and refuses a different one; otherwise this value is used.",
      example: "westeurope",
    }),
    permissionModel: z.enum(["RBAC", "ACCESS_POLICY", "MANAGED_HSM"]).optional().meta({
      description: "How the key's store grants the provider's app access. A Managed HSM key is always MANAGED_HSM (the pool's local RBAC); for a vault, RBAC (the default) or ACCESS_POLICY, which the portal cannot read with app-only access and records as sent.",
    }),
    rotationToLatest: z.boolean().default(true).meta({ description: "Let Azure follow new versions of the key automatically." }),
  })
  .strict()
  .meta({ id: "SubmitKeyRequest" });

export const tenantListQuery = z
  .object({
    q: z.string().max(200).optional().meta({ description: "Search in name, tenant id, vault and key." }),
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .meta({ id: "TenantListQuery" });

export const tenantPath = z.object({ customerTenantId: uuid("customer tenant id").meta({ description: "The portal's id of the customer tenant, or its Entra tenant id." }) });

export const rotateBody = z
  .object({
    diskEncryptionSetId: uuid("disk encryption set id").meta({ description: "The portal's id of the disk encryption set." }),
    keyUrl: z.string().trim().max(500).optional().meta({ description: "Switch to this versioned key URL (needs a fresh interactive sign-in, so people only); omit to rotate to the key's newest version." }),
  })
  .strict()
  .meta({ id: "RotateKeyRequest" });

// ─── Responses ────────────────────────────────────────────────────────────

const onboardingStep = z.enum(["CONSENT", "KEY_VAULT", "KEY", "ACCESS", "VERIFY", "REVIEW", "SUBMITTED"]);
const desState = z.enum(["QUEUED", "CREATING", "SUCCEEDED", "UPDATING", "FAILED", "DELETING"]);
const healthState = z.enum(["UNKNOWN", "HEALTHY", "DEGRADED", "KEY_UNREACHABLE", "REVOKED"]);

export const onboardingResponse = z
  .object({
    tenantId: z.string(),
    consentStatus: z.enum(["NOT_GRANTED", "GRANTED", "REMOVED"]),
    step: onboardingStep,
    keyUrl: z.string().nullable(),
    region: z.string().nullable(),
    verifiedAt: timestamp,
    submittedAt: timestamp,
    lastVerifyProblem: z.string().nullable(),
  })
  .meta({ id: "Onboarding" });

export const submitKeyResponse = z
  .object({ state: z.literal("SUBMITTED"), keyUrl: z.string(), region: z.string(), jobId: z.string(), diskEncryptionSetId: z.string() })
  .meta({ id: "SubmitKeyResult" });

export const statusResponse = z
  .object({
    tenantId: z.string(),
    healthState,
    healthCause: z.string().nullable(),
    lastHealthCheckAt: timestamp,
    diskEncryptionSets: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        region: z.string(),
        provisioningState: desState,
        healthState,
        keyUrl: z.string(),
        rotationToLatest: z.boolean(),
        lastErrorMessage: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "Status" });

export const tenantListResponse = z
  .object({
    rows: z.array(
      z.object({
        id: z.string(),
        tenantId: z.string(),
        displayName: z.string(),
        step: onboardingStep.nullable(),
        status: z.string(),
        healthState,
        desState: desState.nullable(),
        keyUrl: z.string().nullable(),
        region: z.string().nullable(),
        lastHealthCheckAt: timestamp,
      }),
    ),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
    pageCount: z.number().int(),
  })
  .meta({ id: "TenantList" });

export const tenantDetailResponse = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    displayName: z.string(),
    consentStatus: z.enum(["NOT_GRANTED", "GRANTED", "REMOVED"]),
    healthState,
    step: onboardingStep.nullable(),
    diskEncryptionSets: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        region: z.string(),
        armId: z.string().nullable(),
        provisioningState: desState,
        healthState,
        keyUrl: z.string(),
        lastErrorCode: z.string().nullable(),
        lastErrorMessage: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "TenantDetail" });

const checkItem = z.object({ id: z.string(), status: z.enum(["pass", "warn", "fail"]), title: z.string(), reason: z.string(), fix: z.string().optional() });

export const rotateResponse = z
  .union([
    z.object({ accepted: z.literal(true), jobId: z.string(), targetKeyUrl: z.string(), checks: z.array(checkItem) }),
    z.object({ accepted: z.literal(false), checks: z.array(checkItem) }),
  ])
  .meta({ id: "RotateKeyResult" });

/** RFC 9457 problem details, with the portal's own members: the same code and fix the UI shows. */
export const problemResponse = z
  .object({
    type: z.string().meta({ description: "A URN naming the problem kind." }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: "The portal's error code (the same as in the UI)." }),
    fix: z.string().optional().meta({ description: "What to do about it." }),
    reference: z.string().meta({ description: "Quote this to support: the start of the request id (x-request-id)." }),
    azureCode: z.string().optional(),
    fields: z.record(z.string(), z.string()).optional().meta({ description: "Per-field messages for request bodies and parameters." }),
  })
  .meta({ id: "Problem" });
