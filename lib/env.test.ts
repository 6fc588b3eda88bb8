import { describe, expect, it } from "vitest";
import { EnvError, isIpv4OrCidr, parseServerEnv } from "./env";

const VALID = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/cmk",
  PROVIDER_TENANT_ID: "11111111-1111-4111-8111-111111111111",
  PORTAL_CLIENT_ID: "22222222-2222-4222-8222-222222222222",
  PORTAL_CLIENT_SECRET: "secret",
  CMK_APP_CLIENT_ID: "33333333-3333-4333-8333-333333333333",
  PROVIDER_SUBSCRIPTION_ID: "44444444-4444-4444-8444-444444444444",
  PROVIDER_RESOURCE_GROUP: "cmk-provider-rg",
  PROVIDER_UAMI_RESOURCE_ID: "/subscriptions/44444444-4444-4444-8444-444444444444/resourceGroups/cmk-provider-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmk-des-identity",
  PROVIDER_UAMI_CLIENT_ID: "55555555-5555-4555-8555-555555555555",
  PROVIDER_DES_REGIONS: "westeurope, NorthEurope",
  SESSION_SECRET: Buffer.alloc(32, 7).toString("base64"),
};

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseServerEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe("server environment", () => {
  it("accepts a complete environment and applies defaults", () => {
    const env = parseServerEnv(VALID);
    expect(env.AZURE_AUTHORITY_HOST).toBe("https://login.microsoftonline.com");
    expect(env.PROVIDER_DES_REGIONS).toEqual(["westeurope", "northeurope"]);
    expect(env.SESSION_IDLE_MINUTES).toBe(30);
  });

  it("names every missing variable and says what it should be", () => {
    const problems = problemsOf({});
    const names = problems.map((p) => p.split(":")[0]);
    expect(names).toEqual(
      expect.arrayContaining(["DATABASE_URL", "PROVIDER_TENANT_ID", "PORTAL_CLIENT_ID", "CMK_APP_CLIENT_ID", "SESSION_SECRET", "PROVIDER_DES_REGIONS"]),
    );
    expect(problems.find((p) => p.startsWith("SESSION_SECRET"))).toMatch(/openssl rand -base64 32/);
    expect(problems.find((p) => p.startsWith("PROVIDER_TENANT_ID"))).toBe("PROVIDER_TENANT_ID: missing: a GUID — the provider's Entra tenant id");
    expect(problems.every((p) => !/expected string, received undefined/.test(p))).toBe(true);
  });

  it("explains invalid values", () => {
    const problems = problemsOf({ ...VALID, DATABASE_URL: "mysql://x", PROVIDER_TENANT_ID: "contoso", AZURE_ARM_ENDPOINT: "http://arm.local", SESSION_SECRET: "c2hvcnQ=" });
    expect(problems).toEqual([
      expect.stringMatching(/^DATABASE_URL: must be a PostgreSQL URL/),
      expect.stringMatching(/^AZURE_ARM_ENDPOINT: must use https:\/\//),
      expect.stringMatching(/^PROVIDER_TENANT_ID: must be a GUID/),
      expect.stringMatching(/^SESSION_SECRET: must be at least 32 bytes/),
    ]);
  });

  it("PROVIDER_EGRESS_IPS: optional (empty list), comma-separated IPv4 addresses or CIDR ranges, a clear error otherwise", () => {
    expect(parseServerEnv(VALID).PROVIDER_EGRESS_IPS).toEqual([]);
    expect(parseServerEnv({ ...VALID, PROVIDER_EGRESS_IPS: " 203.0.113.10 , 198.51.100.0/28," }).PROVIDER_EGRESS_IPS).toEqual(["203.0.113.10", "198.51.100.0/28"]);
    for (const bad of ["203.0.113.256", "198.51.100.0/33", "2001:db8::1", "vault.example.com", "203.0.113"]) {
      expect(problemsOf({ ...VALID, PROVIDER_EGRESS_IPS: `203.0.113.10,${bad}` })).toEqual([expect.stringMatching(/^PROVIDER_EGRESS_IPS: must be comma-separated IPv4 addresses or CIDR ranges/)]);
    }
    expect(isIpv4OrCidr("0.0.0.0/0")).toBe(true);
    expect(isIpv4OrCidr("255.255.255.255")).toBe(true);
  });

  it("treats empty values as unset", () => {
    expect(problemsOf({ ...VALID, CMK_APP_CLIENT_ID: "" })).toEqual([expect.stringMatching(/^CMK_APP_CLIENT_ID: missing/)]);
    expect(parseServerEnv({ ...VALID, PORTAL_CLIENT_SECRET: "" }).PORTAL_CLIENT_SECRET).toBeUndefined();
  });

  it("needs no Entra secret: PORTAL_CLIENT_SECRET is optional (unset, the managed identity's federated credential is used)", () => {
    const { PORTAL_CLIENT_SECRET: _secret, ...production } = VALID;
    expect(problemsOf(production)).toEqual([]);
  });

  it("DATABASE_AUTH=entra refuses a password in DATABASE_URL and a URL without the database user", () => {
    expect(parseServerEnv({ ...VALID, DATABASE_AUTH: "entra", DATABASE_URL: "postgresql://cmk-des-identity@db.example:5432/cmk" }).DATABASE_AUTH).toBe("entra");
    expect(problemsOf({ ...VALID, DATABASE_AUTH: "entra", DATABASE_URL: "postgresql://app:secret@db.example:5432/cmk" })).toEqual([expect.stringMatching(/^DATABASE_URL: must hold no password when DATABASE_AUTH=entra/)]);
    expect(problemsOf({ ...VALID, DATABASE_AUTH: "entra", DATABASE_URL: "postgresql://db.example:5432/cmk" })).toEqual([expect.stringMatching(/^DATABASE_URL: must name the database user when DATABASE_AUTH=entra/)]);
    expect(problemsOf({ ...VALID, DATABASE_AUTH: "kerberos" })).toEqual([expect.stringMatching(/^DATABASE_AUTH: must be password .* or entra/)]);
  });
});
