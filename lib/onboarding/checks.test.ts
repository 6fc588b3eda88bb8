import { describe, expect, it } from "vitest";
import { checkKey, checkVault, inWholeDays, parseVersionedKeyUrl, worst, type KeyFacts, type VaultFacts } from "./checks";

const READY_VAULT: VaultFacts = {
  name: "contoso-cmk",
  location: "westeurope",
  softDeleteEnabled: true,
  purgeProtectionEnabled: true,
  rbacAuthorization: true,
  publicNetworkAccess: "Enabled",
  networkDefaultAction: "Allow",
  networkBypass: "AzureServices",
};
const REGIONS = ["westeurope", "northeurope"];
const NOW = new Date("2026-11-23T12:00:00Z");
const GOOD_KEY: KeyFacts = { name: "disk-key", keyType: "RSA", keySize: 3072, operations: ["encrypt", "decrypt", "wrapKey", "unwrapKey"], enabled: true, expiresAt: undefined, notBefore: undefined };
const byId = (items: { id: string; status: string }[], id: string) => items.find((i) => i.id === id)?.status;
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);

describe("vault readiness", () => {
  it("passes a ready RBAC vault", () => {
    expect(worst(checkVault(READY_VAULT, REGIONS))).toBe("pass");
  });
  it("fails without purge protection and explains the fix", () => {
    const item = checkVault({ ...READY_VAULT, purgeProtectionEnabled: false }, REGIONS).find((i) => i.id === "purge-protection");
    expect(item).toMatchObject({ status: "fail", fix: expect.stringContaining("enable-purge-protection") });
  });
  it("fails with soft delete off, treats unspecified soft delete as on", () => {
    expect(byId(checkVault({ ...READY_VAULT, softDeleteEnabled: false }, REGIONS), "soft-delete")).toBe("fail");
    expect(byId(checkVault({ ...READY_VAULT, softDeleteEnabled: undefined }, REGIONS), "soft-delete")).toBe("pass");
  });
  it("fails a region the provider does not run disks in, whatever its spelling", () => {
    expect(byId(checkVault({ ...READY_VAULT, location: "australiaeast" }, REGIONS), "region")).toBe("fail");
    expect(byId(checkVault({ ...READY_VAULT, location: "West Europe" }, REGIONS), "region")).toBe("pass");
  });
  it("accepts access-policy vaults and says what the provider gets", () => {
    const item = checkVault({ ...READY_VAULT, rbacAuthorization: false }, REGIONS).find((i) => i.id === "permission-model");
    expect(item).toMatchObject({ status: "pass", reason: expect.stringContaining("wrap key and unwrap key") });
  });
  it("explains network restrictions", () => {
    expect(byId(checkVault({ ...READY_VAULT, publicNetworkAccess: "Disabled" }, REGIONS), "network")).toBe("fail");
    expect(byId(checkVault({ ...READY_VAULT, networkDefaultAction: "Deny", networkBypass: "None" }, REGIONS), "network")).toBe("fail");
    expect(byId(checkVault({ ...READY_VAULT, networkDefaultAction: "Deny", networkBypass: "AzureServices" }, REGIONS), "network")).toBe("warn");
  });
});

describe("key eligibility", () => {
  it("passes an enabled RSA 3072 key with wrap/unwrap and no expiry", () => {
    expect(worst(checkKey(GOOD_KEY, NOW))).toBe("pass");
  });
  it.each([
    [{ keyType: "EC" }, "type"],
    [{ keyType: "oct-HSM" }, "type"],
    [{ keySize: 1024 }, "size"],
    [{ keySize: 8192 }, "size"],
    [{ operations: ["encrypt", "decrypt"] }, "operations"],
    [{ operations: ["wrapKey"] }, "operations"],
    [{ enabled: false }, "enabled"],
    [{ expiresAt: days(29) }, "expiry"],
    [{ expiresAt: days(-1) }, "expiry"],
    [{ notBefore: days(3) }, "not-before"],
  ] as const)("rejects %o (%s)", (change, id) => {
    expect(byId(checkKey({ ...GOOD_KEY, ...change } as KeyFacts, NOW), id)).toBe("fail");
  });
  it("accepts RSA-HSM and every allowed size", () => {
    for (const keySize of [2048, 3072, 4096]) expect(worst(checkKey({ ...GOOD_KEY, keyType: "RSA-HSM", keySize }, NOW))).toBe("pass");
  });
  it("warns when the key expires within 90 days, passes beyond", () => {
    expect(byId(checkKey({ ...GOOD_KEY, expiresAt: days(31) }, NOW), "expiry")).toBe("warn");
    expect(byId(checkKey({ ...GOOD_KEY, expiresAt: days(89) }, NOW), "expiry")).toBe("warn");
    expect(byId(checkKey({ ...GOOD_KEY, expiresAt: days(91) }, NOW), "expiry")).toBe("pass");
  });
});

describe("versioned key URL", () => {
  const version = "0123456789abcdef0123456789ABCDEF";
  const azure = [{ suffix: "vault.azure.net", anyPort: false }];
  it("parses Azure and simulator URLs, normalising the version", () => {
    expect(parseVersionedKeyUrl(`https://contoso.vault.azure.net/keys/disk-key/${version}`, azure)).toEqual({
      ok: true,
      key: { vaultUri: "https://contoso.vault.azure.net/", keyName: "disk-key", version: version.toLowerCase(), keyUrl: `https://contoso.vault.azure.net/keys/disk-key/${version.toLowerCase()}` },
    });
    // The simulator gives each vault its own host under vault.localhost, on a port of its own.
    const sim = parseVersionedKeyUrl(`https://contoso-kv.vault.localhost:8444/keys/disk-key/${version}`, [{ suffix: "vault.localhost", anyPort: true }]);
    expect(sim).toMatchObject({ ok: true, key: { vaultUri: "https://contoso-kv.vault.localhost:8444/", keyName: "disk-key" } });
  });
  it("refuses the simulator's vaults under the default (Azure) configuration", () => {
    expect(parseVersionedKeyUrl(`https://contoso-kv.vault.localhost:8444/keys/disk-key/${version}`, azure)).toMatchObject({ ok: false, rule: "host" });
  });
  it.each([
    ["not a url", "not a URL"],
    ["http://contoso.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef", "https"],
    ["https://contoso.vault.azure.net/keys/disk-key", "no key version"],
    ["https://contoso.vault.azure.net/keys/disk-key/", "no key version"],
    ["https://contoso.vault.azure.net/keys/disk-key/abc", "32 hexadecimal"],
    ["https://contoso.vault.azure.net/secrets/s/0123456789abcdef0123456789abcdef", "does not point to a key"],
  ])("rejects %s", (value, reason) => {
    const result = parseVersionedKeyUrl(value, azure);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe("relative days in wording", () => {
  const seconds = (n: number) => n * 1000;
  it("says 'in 10 days' for a key created to expire in 10 days and read moments later", () => {
    expect(inWholeDays(new Date(days(10).getTime() - seconds(5)), NOW)).toBe("in 10 days");
    const reason = checkKey({ ...GOOD_KEY, expiresAt: new Date(days(10).getTime() - seconds(5)) }, NOW).find((i) => i.id === "expiry")?.reason;
    expect(reason).toBe("The key expires on 2026-12-03, in 10 days — too soon to start using it.");
  });
  it("rounds whole days to the nearest, with 'today' and a singular day", () => {
    expect(inWholeDays(days(10), NOW)).toBe("in 10 days");
    expect(inWholeDays(new Date(days(9.5).getTime() + 1), NOW)).toBe("in 10 days");
    expect(inWholeDays(new Date(days(9.5).getTime() - 1), NOW)).toBe("in 9 days");
    expect(inWholeDays(days(1), NOW)).toBe("in 1 day");
    expect(inWholeDays(days(0.6), NOW)).toBe("in 1 day");
    expect(inWholeDays(days(0.4), NOW)).toBe("today");
    expect(inWholeDays(NOW, NOW)).toBe("today");
  });
  it("keeps the exact thresholds: 29.99 days fails, 30 days warns", () => {
    expect(byId(checkKey({ ...GOOD_KEY, expiresAt: days(29.99) }, NOW), "expiry")).toBe("fail");
    expect(byId(checkKey({ ...GOOD_KEY, expiresAt: days(30) }, NOW), "expiry")).toBe("warn");
    expect(checkKey({ ...GOOD_KEY, expiresAt: new Date(NOW.getTime() - 1) }, NOW).find((i) => i.id === "expiry")?.reason).toBe("The key expired on 2026-11-23.");
  });
});
