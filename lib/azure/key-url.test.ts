import { describe, expect, it } from "vitest";
import { DEFAULT_KEY_VAULT_DNS_SUFFIXES, keyStoreOf, parseKeyVaultHosts, parseVaultUri, parseVersionedKeyUrl } from "./key-url";

const V = "0123456789abcdef0123456789abcdef";
const defaults = (() => {
  const parsed = parseKeyVaultHosts(DEFAULT_KEY_VAULT_DNS_SUFFIXES);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.hosts;
})();

describe("Key Vault DNS suffixes", () => {
  it("defaults to public Azure's vaults and managed HSMs, on port 443 only", () => {
    expect(defaults).toEqual([{ suffix: "vault.azure.net", anyPort: false }, { suffix: "managedhsm.azure.net", anyPort: false }]);
  });
  it("reads sovereign suffixes and the simulator's any-port entry", () => {
    expect(parseKeyVaultHosts(" .vault.azure.cn , vault.usgovcloudapi.net,vault.localhost:*")).toEqual({
      ok: true,
      hosts: [{ suffix: "vault.azure.cn", anyPort: false }, { suffix: "vault.usgovcloudapi.net", anyPort: false }, { suffix: "vault.localhost", anyPort: true }],
    });
  });
  it.each(["", "localhost", "https://vault.azure.net", "vault.azure.net/", "*.vault.azure.net"])("refuses %j", (value) => {
    expect(parseKeyVaultHosts(value).ok).toBe(false);
  });
});

describe("key URLs are checked before any request", () => {
  it("accepts vault and managed HSM keys, normalising case and an explicit :443", () => {
    expect(parseVersionedKeyUrl(`https://Contoso-KV.vault.azure.net:443/keys/disk-key/${V.toUpperCase()}`, defaults)).toEqual({
      ok: true,
      key: { vaultUri: "https://contoso-kv.vault.azure.net/", keyName: "disk-key", version: V, keyUrl: `https://contoso-kv.vault.azure.net/keys/disk-key/${V}` },
    });
    expect(parseVersionedKeyUrl(`https://contoso-hsm.managedhsm.azure.net/keys/k/${V}`, defaults)).toMatchObject({ ok: true });
  });

  it.each([
    [`http://contoso.vault.azure.net/keys/k/${V}`, "https", "https://"],
    [`https://user:pass@contoso.vault.azure.net/keys/k/${V}`, "userinfo", "user name or password"],
    [`https://user@contoso.vault.azure.net/keys/k/${V}`, "userinfo", "user name or password"],
    [`https://127.0.0.1:9443/keys/k/${V}`, "ip-address", "IP address (127.0.0.1)"],
    [`https://169.254.169.254/keys/k/${V}`, "ip-address", "IP address"],
    [`https://0x7f.1/keys/k/${V}`, "ip-address", "IP address (127.0.0.1)"],
    [`https://[::1]/keys/k/${V}`, "ip-address", "IP address"],
    [`https://contoso.vault.azure.net:8443/keys/k/${V}`, "port", "remove “:8443”"],
    [`https://management.azure.com/keys/k/${V}`, "host", "ends in .vault.azure.net or .managedhsm.azure.net"],
    [`https://evil.example/keys/k/${V}`, "host", "not a Key Vault address"],
    [`https://vault.azure.net.evil.example/keys/k/${V}`, "host", "not a Key Vault address"],
    [`https://a.b.vault.azure.net/keys/k/${V}`, "host", "not a Key Vault address"],
    [`https://localhost/keys/k/${V}`, "host", "not a Key Vault address"],
    [`https://contoso.vault.azure.net/keys/k/${V}?x=1`, "query", "no query string"],
    [`https://contoso.vault.azure.net/kv/contoso/keys/k/${V}`, "path", "/keys/NAME/VERSION"],
  ])("refuses %s (%s)", (value, rule, reason) => {
    const result = parseVersionedKeyUrl(value, defaults);
    expect(result).toMatchObject({ ok: false, rule });
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it("accepts another port only on an any-port suffix", () => {
    const sim = [{ suffix: "vault.localhost", anyPort: true }];
    expect(parseVersionedKeyUrl(`https://contoso-kv.vault.localhost:9501/keys/k/${V}`, sim)).toMatchObject({ ok: true, key: { vaultUri: "https://contoso-kv.vault.localhost:9501/" } });
    expect(parseVersionedKeyUrl(`https://127.0.0.1:9501/keys/k/${V}`, sim)).toMatchObject({ ok: false, rule: "ip-address" });
  });

  it("checks vault URIs with the same rule", () => {
    expect(parseVaultUri("https://contoso.vault.azure.net", defaults)).toEqual({ ok: true, vaultUri: "https://contoso.vault.azure.net/" });
    expect(parseVaultUri("https://u:p@contoso.vault.azure.net/", defaults)).toMatchObject({ ok: false, rule: "userinfo" });
    expect(parseVaultUri("https://contoso.vault.azure.net/keys/", defaults)).toMatchObject({ ok: false, rule: "path" });
  });
});

describe("Managed HSM key URLs follow the same host rules", () => {
  it("accepts a pool's versioned key URL and keeps its origin", () => {
    expect(parseVersionedKeyUrl(`https://woodgrove-hsm.managedhsm.azure.net/keys/disk-key/${V}`, defaults)).toEqual({
      ok: true, key: { vaultUri: "https://woodgrove-hsm.managedhsm.azure.net/", keyName: "disk-key", version: V, keyUrl: `https://woodgrove-hsm.managedhsm.azure.net/keys/disk-key/${V}` },
    });
  });
  it.each([
    [`https://woodgrove-hsm.managedhsm.azure.net.evil.example/keys/k/${V}`, "host"],
    [`https://woodgrove-hsm.managedhsm.azure.net:8443/keys/k/${V}`, "port"],
    [`https://managedhsm.azure.net/keys/k/${V}`, "host"],
    ["https://woodgrove-hsm.managedhsm.azure.net/keys/k", "unversioned"],
  ])("refuses %s (%s)", (url, rule) => {
    expect(parseVersionedKeyUrl(url, defaults)).toMatchObject({ ok: false, rule });
  });
});

describe("the kind of key store a URI names", () => {
  it.each([
    ["https://woodgrove-hsm.managedhsm.azure.net/", "managedHsm", "woodgrove-hsm"],
    ["https://pool.managedhsm.azure.cn/", "managedHsm", "pool"],
    ["https://woodgrove-hsm.managedhsm.localhost:8443/", "managedHsm", "woodgrove-hsm"],
    ["https://Contoso-KV.vault.azure.net/", "vault", "contoso-kv"],
    ["https://kv.vault.usgovcloudapi.net/", "vault", "kv"],
    ["https://managedhsm.vault.azure.net/", "vault", "managedhsm"],
  ])("%s is a %s named %s", (uri, kind, name) => {
    expect(keyStoreOf(uri)).toEqual({ kind, name });
  });
});
