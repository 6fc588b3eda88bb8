// A recording stand-in for the Azure CLI (and `sleep`) on PATH, to run the generated onboarding script for real.
// State lives in files (a service principal, a vault or Managed HSM pool, a key, role assignments), so a second run
// sees the first's.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { childEnv } from "../env";

const FAKE_AZ = String.raw`#!/usr/bin/env bash
set -u
s="$FAKE_AZ_STATE"
printf '%s\n' "az $*" >> "$s/log"
arg() { local want=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
assignment() { echo "$s/ra-$(printf '%s|%s|%s' "$(arg --role "$@")" "$1" "$(arg --scope "$@")" | md5sum | cut -c1-16)"; }
missing() { echo "ERROR: (NotFound) $*" >&2; exit 3; }
case "$1 $2" in
  "account show")
    case "$(arg --query "$@")" in
      tenantId) echo "$FAKE_SIGNED_IN_TENANT" ;;
      user.type) echo user ;;
    esac ;;
  "account set") ;;
  "ad signed-in-user") echo "$FAKE_ME" ;;
  "ad sp")
    case "$3" in
      show) [ -f "$s/sp" ] && cat "$s/sp" || missing "service principal" ;;
      create) echo "$FAKE_SP_OBJECT_ID" > "$s/sp"; cat "$s/sp" ;;
    esac ;;
  "group create") ;;
  "keyvault show")
    if [ -n "$(arg --hsm-name "$@")" ]; then [ -f "$s/hsm" ] || missing "managed HSM"; exit 0; fi
    [ -f "$s/vault" ] || missing vault
    case "$(arg --query "$@")" in
      id) cat "$s/vault" ;;
      properties.enableRbacAuthorization) cat "$s/vault-rbac" ;;
    esac ;;
  "keyvault create")
    echo "/subscriptions/$FAKE_SUBSCRIPTION/resourceGroups/$(arg --resource-group "$@")/providers/Microsoft.KeyVault/vaults/$(arg --name "$@")" > "$s/vault"
    arg --enable-rbac-authorization "$@" > "$s/vault-rbac" ;;
  "keyvault key")
    case "$3" in
      show) [ -f "$s/key" ] || missing key ;;
      create)
        left=$(cat "$s/key-create-failures" 2>/dev/null || echo 0)
        if [ "$left" -gt 0 ]; then echo $((left - 1)) > "$s/key-create-failures"; echo "ERROR: (Forbidden) Caller is not authorized" >&2; exit 1; fi
        touch "$s/key" ;;
      rotation-policy) arg --value "$@" > "$s/rotation-policy" ;;
    esac ;;
  "role assignment")
    shift 2
    case "$1" in
      list) f=$(assignment "$(arg --assignee "$@")" "$@"); [ -f "$f" ] && echo "/assignments/$(basename "$f")" || true ;;
      create) touch "$(assignment "$(arg --assignee-object-id "$@")" "$@")" ;;
    esac ;;
  "keyvault role")
    # A Managed HSM's local role assignments (az keyvault role assignment list|create --hsm-name …).
    [ -f "$s/hsm" ] || missing "managed HSM"
    shift 3
    case "$1" in
      list) f=$(assignment "$(arg --assignee "$@")" "$@"); [ -f "$f" ] && echo "/keys/assignments/$(basename "$f")" || true ;;
      create) touch "$(assignment "$(arg --assignee-object-id "$@")" "$@")" ;;
    esac ;;
  "keyvault set-policy") touch "$s/access-policy" ;;
  *) echo "fake az: unexpected command: $*" >&2; exit 99 ;;
esac
`;

const FAKE_SLEEP = `#!/usr/bin/env bash\nprintf '%s\\n' "sleep $*" >> "$FAKE_AZ_STATE/log"\n`;

export type FakeAzure = {
  state: string;
  /** Runs a bash script with the fake az first on PATH; the log is cleared first so it holds this run only. */
  run(script: string, env?: Record<string, string>): { status: number | null; stdout: string; stderr: string; log: string[] };
  /** Pretend something exists already: a service principal, a vault ("true"/"false" = uses RBAC), a Managed HSM pool. */
  given(thing: { servicePrincipal?: string; vault?: { id: string; rbac: boolean }; hsm?: true; key?: true; keyCreateFailures?: number }): void;
  file(name: string): string | null;
};

export function fakeAzure(settings: { signedInTenant: string; me: string; spObjectId: string; subscriptionId: string }): FakeAzure {
  const root = mkdtempSync(path.join(tmpdir(), "fake-az-"));
  const bin = path.join(root, "bin");
  const state = path.join(root, "state");
  for (const dir of [bin, state]) spawnSync("mkdir", ["-p", dir]);
  writeFileSync(path.join(bin, "az"), FAKE_AZ);
  writeFileSync(path.join(bin, "sleep"), FAKE_SLEEP);
  chmodSync(path.join(bin, "az"), 0o755);
  chmodSync(path.join(bin, "sleep"), 0o755);
  const scriptPath = path.join(root, "script.sh");
  return {
    state,
    run(script, env = {}) {
      writeFileSync(scriptPath, script);
      writeFileSync(path.join(state, "log"), "");
      const base = childEnv({});
      const result = spawnSync("bash", [scriptPath], {
        encoding: "utf8",
        timeout: 20_000,
        env: { ...base, PATH: `${bin}:${base.PATH}`, FAKE_AZ_STATE: state, FAKE_SIGNED_IN_TENANT: settings.signedInTenant, FAKE_ME: settings.me, FAKE_SP_OBJECT_ID: settings.spObjectId, FAKE_SUBSCRIPTION: settings.subscriptionId, ...env },
      });
      const log = readFileSync(path.join(state, "log"), "utf8").split("\n").filter(Boolean);
      return { status: result.status, stdout: result.stdout, stderr: result.stderr, log };
    },
    given(thing) {
      if (thing.servicePrincipal) writeFileSync(path.join(state, "sp"), `${thing.servicePrincipal}\n`);
      if (thing.vault) {
        writeFileSync(path.join(state, "vault"), `${thing.vault.id}\n`);
        writeFileSync(path.join(state, "vault-rbac"), `${thing.vault.rbac}\n`);
      }
      if (thing.hsm) writeFileSync(path.join(state, "hsm"), "");
      if (thing.key) writeFileSync(path.join(state, "key"), "");
      if (thing.keyCreateFailures) writeFileSync(path.join(state, "key-create-failures"), String(thing.keyCreateFailures));
    },
    file(name) {
      const p = path.join(state, name);
      return existsSync(p) ? readFileSync(p, "utf8").trim() : null;
    },
  };
}
