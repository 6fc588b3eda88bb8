// The hostile cases of the isolation tests, one per server action and one per route handler. The registry test
// (lib/auth/isolation.test.ts) runs the action cases against the registered definitions; the build test
// (e2e/isolation-built.spec.ts) enumerates what `next build` really produced and fails on anything missing here.
import { SIM_VAULT_DNS_SUFFIX } from "../../e2e/azure-sim/context";
import { SIM } from "../../e2e/azure-sim/seed";

export const TENANT_B = SIM.customers.fabrikam;
export const TENANT_B_VAULT_ID = `/subscriptions/${TENANT_B.subscriptionId}/resourceGroups/${TENANT_B.resourceGroup}/providers/Microsoft.KeyVault/vaults/${TENANT_B.vaultName}`;
/** Ids a tenant-A customer might have learnt of tenant B's records. */
export const TENANT_B_RECORD_ID = "0b0b0b0b-0000-4000-8000-00000000000b";

/**
 * For each server action: the most hostile input a tenant-A customer could send about tenant B. Customer actions
 * must leave B untouched and unseen; staff actions must refuse the customer whatever it sends.
 */
export const HOSTILE_ACTION_INPUTS: Record<string, unknown> = {
  "consent.start": {},
  "consent.check": {},
  "onboarding.select_vault": { vaultResourceId: TENANT_B_VAULT_ID },
  "onboarding.select_hsm": { hsmResourceId: `/subscriptions/${SIM.hsmCustomer.subscriptionId}/resourceGroups/${SIM.hsmCustomer.resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${SIM.hsmCustomer.hsmName}` },
  "onboarding.create_vault": { subscriptionId: TENANT_B.subscriptionId, resourceGroup: TENANT_B.resourceGroup, name: "stolen-kv-1", region: "westeurope" },
  "onboarding.select_key": { keyName: TENANT_B.keyName },
  "onboarding.create_key": { name: "stolen-key", keyType: "RSA", keySize: 3072 },
  "onboarding.grant_self_key_officer": {},
  "onboarding.grant_access": {},
  "onboarding.confirm_access": {},
  "onboarding.verify": {},
  "onboarding.verification_progress": {},
  "onboarding.skip_probe": {},
  "onboarding.remove_grant": { grantId: TENANT_B_RECORD_ID },
  "onboarding.submit": { rotationToLatest: true },
  "customer.rotate_to_newest_version": {},
  "customer.confirm_restore": { restoreRequestId: TENANT_B_RECORD_ID },
  "customer.offboarding.request": { reason: "hostile customer" },
  "customer.offboarding.cancel": { offboardingId: TENANT_B_RECORD_ID },
  "customer.offboarding.cleanup": { offboardingId: TENANT_B_RECORD_ID },
  "customer.offboarding.check": { offboardingId: TENANT_B_RECORD_ID },
  // The contact is always the session's own tenant's: nothing in the input can name another one.
  "customer.set_notification_contact": { email: "attacker@example.com", webhookUrl: "https://hooks.example.com/steal" },
  // Staff-only: a customer who learnt the ids of tenant B's records must still be refused.
  "health.check_now": { customerTenantId: TENANT_B_RECORD_ID },
  "provisioning.retry": { customerTenantId: TENANT_B_RECORD_ID },
  "support.rotate_key": { customerTenantId: TENANT_B_RECORD_ID, keyUrl: `https://${TENANT_B.vaultName}.vault.azure.net/keys/${TENANT_B.keyName}/0123456789abcdef0123456789abcdef` },
  "support.set_auto_rotation": { customerTenantId: TENANT_B_RECORD_ID, diskEncryptionSetId: TENANT_B_RECORD_ID, enabled: false },
  "support.request_revocation": { customerTenantId: TENANT_B_RECORD_ID, reason: "hostile customer" },
  "support.approve_revocation": { requestId: TENANT_B_RECORD_ID },
  "support.reject_revocation": { requestId: TENANT_B_RECORD_ID, note: "hostile customer" },
  "support.cancel_revocation": { requestId: TENANT_B_RECORD_ID },
  "support.retry_revocation": { requestId: TENANT_B_RECORD_ID },
  "support.restore_access": { customerTenantId: TENANT_B_RECORD_ID, reason: "hostile customer" },
  "support.approve_restore": { restoreRequestId: TENANT_B_RECORD_ID },
  "support.cancel_restore": { restoreRequestId: TENANT_B_RECORD_ID },
  "support.offboarding.approve": { offboardingId: TENANT_B_RECORD_ID },
  "support.offboarding.reject": { offboardingId: TENANT_B_RECORD_ID, note: "hostile customer" },
  "support.offboarding.execute": { offboardingId: TENANT_B_RECORD_ID },
  // /api/v1 (lib/api/actions.ts): the tenant comes from the token; a body naming B's key and vault must not reach B.
  "api.onboarding.read": {},
  // A key URL the simulator's host rules accept (so the call reaches the provider's probe), on B's vault name.
  "api.onboarding.submit_key": { keyUrl: `https://${TENANT_B.vaultName}.${SIM_VAULT_DNS_SUFFIX}:1/keys/${TENANT_B.keyName}/0123456789abcdef0123456789abcdef`, vaultResourceId: TENANT_B_VAULT_ID, region: "westeurope" },
  "api.status.read": {},
  "api.tenants.list": { q: TENANT_B.displayName },
  "api.tenants.read": { customerTenantId: TENANT_B_RECORD_ID },
};

/** The body a tenant-A pipeline sends to /api/v1 POSTs, aimed at tenant B (the build test calls each with it). */
export const HOSTILE_API_BODIES: Record<string, unknown> = {
  "/api/v1/onboarding/key": HOSTILE_ACTION_INPUTS["api.onboarding.submit_key"],
  "/api/v1/tenants/[customerTenantId]/rotate": { diskEncryptionSetId: TENANT_B_RECORD_ID },
};

/**
 * For each route handler (by its URL path as Next.js built it): who it is for, so the build test knows which
 * hostile callers it must refuse. `public` routes must answer without any tenant's data.
 */
export type RouteCase =
  | { kind: "public" }
  | { kind: "customer-data"; method: "GET" }
  | { kind: "staff-data"; method: "GET"; refusedStaff: "operator" | "support" }
  | { kind: "session"; methods: ("POST" | "DELETE")[] }
  | { kind: "consent-callback" }
  /** /api/v1 with bearer tokens: for a customer's own tenant (people or its pipeline), or for the provider's staff. */
  | { kind: "api-customer"; method: "GET" | "POST" }
  | { kind: "api-staff"; method: "GET" | "POST" };

export const ROUTE_CASES: Record<string, RouteCase> = {
  "/api/health": { kind: "public" },
  "/api/health/live": { kind: "public" },
  "/api/health/ready": { kind: "public" },
  "/api/auth/nonce": { kind: "session", methods: ["POST"] },
  "/api/auth/session": { kind: "session", methods: ["POST", "DELETE"] },
  "/api/audit/export": { kind: "customer-data", method: "GET" },
  "/api/onboarding/iac/terraform": { kind: "customer-data", method: "GET" },
  "/api/onboarding/iac/azure-cli": { kind: "customer-data", method: "GET" },
  "/api/support/audit/export": { kind: "staff-data", method: "GET", refusedStaff: "operator" },
  "/api/operator/tenants.csv": { kind: "staff-data", method: "GET", refusedStaff: "support" },
  "/api/consent/callback": { kind: "consent-callback" },
  "/api/v1/openapi.json": { kind: "public" },
  "/api/v1/onboarding": { kind: "api-customer", method: "GET" },
  "/api/v1/onboarding/key": { kind: "api-customer", method: "POST" },
  "/api/v1/status": { kind: "api-customer", method: "GET" },
  "/api/v1/tenants": { kind: "api-staff", method: "GET" },
  "/api/v1/tenants/[customerTenantId]": { kind: "api-staff", method: "GET" },
  "/api/v1/tenants/[customerTenantId]/rotate": { kind: "api-staff", method: "POST" },
};
