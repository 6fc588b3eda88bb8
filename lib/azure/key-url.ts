// Which URLs may be treated as Key Vault key or vault URLs. The Key Vault SDK sends the CMK app's token to
// whatever host answers with a bearer challenge, so a URL is checked here — before any request — against
// the Key Vault DNS suffixes of the configured cloud. Pure: the allowed hosts are passed in.

/** One allowed DNS suffix; `anyPort` only for a simulator (real Key Vault listens on 443 alone). */
export type KeyVaultHost = { suffix: string; anyPort: boolean };

/**
 * Public Azure's suffixes for vaults and managed HSMs. Sovereign clouds use others (vault.azure.cn,
 * vault.usgovcloudapi.net): https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates
 */
export const DEFAULT_KEY_VAULT_DNS_SUFFIXES = "vault.azure.net,managedhsm.azure.net";

const SUFFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
/** Vault and managed HSM names: 3–24 letters, digits and hyphens, starting with a letter. */
const VAULT_LABEL = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;

/** Parses `vault.azure.net,managedhsm.azure.net` (an entry `suffix:*` also accepts any port). */
export function parseKeyVaultHosts(value: string): { ok: true; hosts: KeyVaultHost[] } | { ok: false; reason: string } {
  const hosts: KeyVaultHost[] = [];
  for (const raw of value.split(",").map((entry) => entry.trim().toLowerCase()).filter(Boolean)) {
    const anyPort = raw.endsWith(":*");
    const suffix = (anyPort ? raw.slice(0, -2) : raw).replace(/^\./, "");
    if (!SUFFIX.test(suffix)) return { ok: false, reason: `"${raw}" is not a DNS suffix such as vault.azure.net` };
    hosts.push({ suffix, anyPort });
  }
  return hosts.length > 0 ? { ok: true, hosts } : { ok: false, reason: "must name at least one DNS suffix, e.g. vault.azure.net,managedhsm.azure.net" };
}

export type KeyUrlRule = "not-a-url" | "https" | "userinfo" | "ip-address" | "port" | "host" | "query" | "path" | "unversioned" | "version";
export type KeyUrlRefusal = { ok: false; rule: KeyUrlRule; reason: string };

function describe(hosts: KeyVaultHost[]): string {
  return hosts.map((h) => `.${h.suffix}`).join(" or ");
}

/** The origin of a Key Vault URL, if its scheme, credentials, host and port are acceptable. */
function vaultOrigin(url: URL, hosts: KeyVaultHost[]): { ok: true; origin: string } | KeyUrlRefusal {
  if (url.protocol !== "https:") return { ok: false, rule: "https", reason: `Key Vault URLs start with https:// (this one uses ${url.protocol.replace(/:$/, "")}).` };
  if (url.username || url.password) {
    return { ok: false, rule: "userinfo", reason: "The URL contains a user name or password (the part before “@”). Key Vault URLs never do: copy the “Key Identifier” from the vault again." };
  }
  const host = url.hostname;
  if (host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    return { ok: false, rule: "ip-address", reason: `The URL names an IP address (${host}). Key Vault URLs name the vault, e.g. https://VAULT.vault.azure.net/.` };
  }
  const match = hosts.find((h) => host.endsWith(`.${h.suffix}`) && VAULT_LABEL.test(host.slice(0, -(h.suffix.length + 1))));
  if (!match) {
    return { ok: false, rule: "host", reason: `${host} is not a Key Vault address. Keys must be in a vault or managed HSM whose address ends in ${describe(hosts)} (for example https://VAULT${describe(hosts.slice(0, 1))}/).` };
  }
  if (url.port && !match.anyPort) return { ok: false, rule: "port", reason: `The URL names port ${url.port}. Key Vault answers on the standard HTTPS port only: remove “:${url.port}”.` };
  return { ok: true, origin: url.origin };
}

function toUrl(value: string): URL | KeyUrlRefusal {
  const trimmed = value.trim();
  if (!URL.canParse(trimmed)) return { ok: false, rule: "not-a-url", reason: "This is not a URL. A key URL looks like https://VAULT.vault.azure.net/keys/NAME/VERSION." };
  return new URL(trimmed);
}

/** A vault's base URI (`https://VAULT.vault.azure.net/`), normalised with one trailing slash. */
export function parseVaultUri(value: string, hosts: KeyVaultHost[]): { ok: true; vaultUri: string } | KeyUrlRefusal {
  const url = toUrl(value);
  if (!(url instanceof URL)) return url;
  const origin = vaultOrigin(url, hosts);
  if (!origin.ok) return origin;
  if (url.search || url.hash || url.pathname !== "/") return { ok: false, rule: "path", reason: "A vault URI is just the vault's address, e.g. https://VAULT.vault.azure.net/." };
  return { ok: true, vaultUri: `${origin.origin}/` };
}

export type ParsedKeyUrl = { vaultUri: string; keyName: string; version: string; keyUrl: string };

/**
 * A versioned key URL: https://VAULT.vault.azure.net/keys/NAME/VERSION (32 hex). Disk encryption sets need the
 * version even when they follow new versions automatically.
 */
export function parseVersionedKeyUrl(value: string, hosts: KeyVaultHost[]): { ok: true; key: ParsedKeyUrl } | KeyUrlRefusal {
  const url = toUrl(value);
  if (!(url instanceof URL)) return url;
  const origin = vaultOrigin(url, hosts);
  if (!origin.ok) return origin;
  if (url.search || url.hash) return { ok: false, rule: "query", reason: "A key URL has no query string or fragment: remove everything from “?” or “#”." };
  const match = /^\/keys\/([a-zA-Z0-9-]{1,127})(?:\/([^/]*))?\/?$/.exec(url.pathname);
  if (!match) return { ok: false, rule: "path", reason: "This URL does not point to a key: after the vault's address it should read /keys/NAME/VERSION." };
  const [, keyName, version] = match;
  if (!version) return { ok: false, rule: "unversioned", reason: "The URL has no key version. Disk encryption needs a versioned URL: copy the “Key Identifier” of the current version." };
  if (!/^[0-9a-fA-F]{32}$/.test(version)) return { ok: false, rule: "version", reason: "The key version must be 32 hexadecimal characters." };
  const vaultUri = `${origin.origin}/`;
  return { ok: true, key: { vaultUri, keyName: keyName!, version: version.toLowerCase(), keyUrl: `${vaultUri}keys/${keyName}/${version.toLowerCase()}` } };
}

/**
 * Which kind of key store a base URI names, and its name: Managed HSM pools live under the cloud's `managedhsm.…`
 * suffix (managedhsm.azure.net, managedhsm.azure.cn, managedhsm.usgovcloudapi.net; the simulator's
 * managedhsm.localhost), vaults under the others. For a URI already checked against the configured suffixes.
 */
export function keyStoreOf(vaultUri: string): { kind: "vault" | "managedHsm"; name: string } {
  const [name = "", ...suffix] = new URL(vaultUri).hostname.toLowerCase().split(".");
  return { kind: suffix[0] === "managedhsm" ? "managedHsm" : "vault", name };
}
