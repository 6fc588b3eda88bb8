// Points the app's environment (lib/env) at a test database and, optionally, a simulator.
import { randomBytes } from "node:crypto";
import { testDatabaseUrl } from "./db";
import { resetServerEnvForTests } from "../env";

export const TEST_SESSION_SECRET = randomBytes(32).toString("base64");

/** A complete set of the provider's settings with placeholder ids, for processes that never call Azure. */
export const PLACEHOLDER_APP_ENV = {
  PROVIDER_TENANT_ID: "11111111-1111-4111-8111-111111111111",
  PORTAL_CLIENT_ID: "22222222-2222-4222-8222-222222222222",
  PORTAL_CLIENT_SECRET: "test-portal-secret",
  CMK_APP_CLIENT_ID: "33333333-3333-4333-8333-333333333333",
  PROVIDER_SUBSCRIPTION_ID: "44444444-4444-4444-8444-444444444444",
  PROVIDER_RESOURCE_GROUP: "cmk-provider-rg",
  PROVIDER_UAMI_RESOURCE_ID: "/subscriptions/44444444-4444-4444-8444-444444444444/resourceGroups/cmk-provider-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmk-des-identity",
  PROVIDER_UAMI_CLIENT_ID: "55555555-5555-4555-8555-555555555555",
  PROVIDER_DES_REGIONS: "westeurope,northeurope",
};

/** Sets a complete, valid app environment for this test file (overrides win) and forgets the cached parse. */
export function setAppEnvForTests(overrides: Record<string, string> = {}): void {
  Object.assign(process.env, PLACEHOLDER_APP_ENV, { DATABASE_URL: testDatabaseUrl(), SESSION_SECRET: TEST_SESSION_SECRET, APP_BASE_URL: "http://localhost:3000", LOG_LEVEL: "silent" }, overrides);
  resetServerEnvForTests();
}
