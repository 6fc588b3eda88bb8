import { describe, expect, it } from "vitest";
import type { KeyProbeResult } from "../azure/key-probe";
import { assessDes } from "./assess";
import { isProviderRevoked } from "./causes";

const DES = { found: true as const, provisioningState: "Succeeded", previousKeys: 0 };
const failed = (problem: Extract<KeyProbeResult, { ok: false }>["problem"], azureCode?: string): KeyProbeResult => ({ ok: false, problem, azureCode, checkedAt: new Date() });

describe("health of a failed key probe", () => {
  it("a disabled key or a removed role is the customer's own revocation", () => {
    expect(assessDes(DES, failed("KEY_DISABLED", "KeyDisabled"))).toEqual({ state: "REVOKED", cause: "REVOKED_BY_CUSTOMER", detail: "The customer disabled the key version the disks use. Azure said KeyDisabled." });
    expect(assessDes(DES, failed("ROLE_MISSING"))).toMatchObject({ state: "REVOKED", cause: "REVOKED_BY_CUSTOMER" });
  });

  it("other failures make the key unreachable, with their cause", () => {
    expect(assessDes(DES, failed("KEY_NOT_FOUND"))).toMatchObject({ state: "KEY_UNREACHABLE", cause: "KEY_NOT_FOUND" });
    expect(assessDes(DES, failed("KEY_EXPIRED"))).toMatchObject({ state: "KEY_UNREACHABLE", cause: "KEY_EXPIRED" });
    expect(assessDes(DES, failed("VAULT_FIREWALL"))).toMatchObject({ state: "KEY_UNREACHABLE", cause: "VAULT_FIREWALL" });
    expect(assessDes(DES, failed("CONSENT_REMOVED"))).toMatchObject({ state: "KEY_UNREACHABLE", cause: "CONSENT_REMOVED" });
    expect(assessDes(DES, failed("THROTTLED"))).toMatchObject({ inconclusive: true });
  });

  it("only the provider's own revocation exempts a tenant from checks", () => {
    expect(isProviderRevoked({ healthState: "REVOKED", healthCause: "REVOKED_BY_PROVIDER" })).toBe(true);
    expect(isProviderRevoked({ healthState: "REVOKED", healthCause: "REVOKED_BY_CUSTOMER" })).toBe(false);
    expect(isProviderRevoked({ healthState: "HEALTHY", healthCause: null })).toBe(false);
  });
});
