import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { SIM } from "../../../e2e/azure-sim/seed";
import { ROTATION_LIMITS, rotationChoiceProblems, rotationPolicyFor } from "../../azure/key-rotation-policy";
import { childEnv, serverEnv, toolingEnv } from "../../env";
import { setAppEnvForTests } from "../../testing/app-env";
import { testDb } from "../../testing/db";
import { fakeAzure } from "../../testing/fake-az";
import { HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID, hsmKeyScope, hsmRoleDefinitionId } from "../../azure/managed-hsm";
import { ACCESS_POLICY_KEY_PERMISSIONS, CRYPTO_OFFICER_ROLE_ID, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID, keyScope, roleDefinitionId } from "../access";
import { ALLOWED_KEY_SIZES, ALLOWED_KEY_TYPES } from "../checks";
import { renderCliScript } from "./cli-script";
import { customerIacValues, IAC_FILES, type ProviderFacts } from "./files";
import { HSM_TERRAFORM_ROLE_DEFINITION_ID, renderHsmCliScript, renderHsmTerraform } from "./managed-hsm";
import { renderTerraform, TERRAFORM_PROVIDER_VERSIONS } from "./terraform";
import type { HsmIacValues, IacValues, VaultIacValues } from "./values";

const contoso = SIM.customers.contoso;
const fabrikam = SIM.customers.fabrikam;
const woodgrove = SIM.hsmCustomer;
const WOODGROVE_HSM_ID = `/subscriptions/${woodgrove.subscriptionId}/resourceGroups/${woodgrove.resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${woodgrove.hsmName}`;
const CONTOSO_VAULT_ID = `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}`;
const SP_OBJECT_ID = "5b5b5b5b-0000-4000-8000-0000000000aa";
const NEW_TENANT = "9a9a9a9a-0000-4000-8000-00000000009a";

let provider: ProviderFacts;
/** Contoso at the access step (vault and key chosen in the wizard), as seeded. */
let atAccess: VaultIacValues;
/** A tenant that has only consented: the files create the vault and the key. */
let fresh: VaultIacValues;
/** Woodgrove at the access step: its Managed HSM pool and key chosen in the wizard. */
let hsmAtAccess: HsmIacValues;
/** Woodgrove with only its pool chosen: the files create an RSA-HSM key in it. */
let hsmNoKey: HsmIacValues;

beforeAll(async () => {
  setAppEnvForTests();
  const env = serverEnv();
  provider = { cmkAppClientId: env.CMK_APP_CLIENT_ID, cmkAppDisplayName: env.CMK_APP_DISPLAY_NAME, providerName: env.PROVIDER_DISPLAY_NAME, regions: env.PROVIDER_DES_REGIONS };
  const db = testDb();
  for (const [tenantId, displayName, vault] of [[contoso.tenantId, contoso.displayName, CONTOSO_VAULT_ID], [fabrikam.tenantId, fabrikam.displayName, `/subscriptions/${fabrikam.subscriptionId}/resourceGroups/${fabrikam.resourceGroup}/providers/Microsoft.KeyVault/vaults/${fabrikam.vaultName}`]] as const) {
    await db.customerTenant.create({
      data: { tenantId, displayName, consentStatus: "GRANTED", servicePrincipalObjectId: SP_OBJECT_ID, onboarding: { create: { step: "ACCESS", vaultResourceId: vault, permissionModel: "RBAC", keyName: "disk-key" } } },
    });
  }
  await db.customerTenant.create({ data: { tenantId: NEW_TENANT, displayName: "Just consented", consentStatus: "GRANTED", onboarding: { create: { step: "KEY_VAULT" } } } });
  await db.customerTenant.create({
    data: { tenantId: woodgrove.tenantId, displayName: woodgrove.displayName, consentStatus: "GRANTED", servicePrincipalObjectId: SP_OBJECT_ID, onboarding: { create: { step: "ACCESS", vaultResourceId: WOODGROVE_HSM_ID, permissionModel: "MANAGED_HSM", keyName: woodgrove.keyName } } },
  });
  const ready = async (tenantId: string) => {
    const iac = await customerIacValues(db, tenantId, provider);
    if (iac.status !== "ready") throw new Error(`${tenantId}: ${iac.status}`);
    return iac.values;
  };
  const vault = (values: IacValues) => (values.keyStore === "vault" ? values : expect.unreachable(`a vault's values, not ${values.keyStore}`));
  atAccess = vault(await ready(contoso.tenantId));
  fresh = vault(await ready(NEW_TENANT));
  const pool = await ready(woodgrove.tenantId);
  hsmAtAccess = pool.keyStore === "managedHsm" ? pool : expect.unreachable("Woodgrove's values are a Managed HSM's");
  hsmNoKey = { ...hsmAtAccess, keyName: "disk-encryption-key", createKey: true };
});

type Hcl = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function terraformOf(values: VaultIacValues): Promise<Hcl> {
  return (await parse("main.tf", renderTerraform(values))) as Hcl;
}

/** One block's body (hcl2json wraps each block in a list). */
function block(hcl: Hcl, kind: "resource" | "data" | "variable" | "output", ...names: string[]): Hcl {
  const found = names.reduce<Hcl | undefined>((node, name) => node?.[name], hcl[kind]);
  expect(found, `${kind} ${names.join(".")}`).toBeDefined();
  return found![0];
}

function locals(hcl: Hcl): Record<string, unknown> {
  return Object.assign({}, ...(hcl.locals as Hcl[]));
}

/** Resolves the interpolations the wizard would see: variables at their defaults, locals, and the vault's id as Azure returns it. */
function resolve(hcl: Hcl, expression: string, vaultId: string): string {
  const defaults = Object.fromEntries(Object.entries(hcl.variable as Hcl).map(([name, body]) => [name, String(body[0].default)]));
  const local = locals(hcl);
  return expression.replace(/\$\{(var|local)\.([a-z_]+)\}/g, (_, kind: string, name: string) => {
    if (kind === "var") return defaults[name]!;
    if (name === "key_vault_id") return vaultId;
    return String(local[name]);
  });
}

/** terraform fmt -check over the files; only a machine without terraform is excused (it is in neither the npm nor the Debian registry). */
function expectTerraformFormatted(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "iac-tf-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const fmt = spawnSync("terraform", ["fmt", "-check", "-list=true", dir], { encoding: "utf8", env: childEnv({ TF_CLI_CONFIG_FILE: "/dev/null" }) });
  if (fmt.error) {
    expect(fmt.error.message).toContain("ENOENT");
    return;
  }
  expect(fmt.stdout, "files terraform fmt would change").toBe("");
  expect(fmt.status).toBe(0);
}

/** bash -n, then shellcheck (.ci/run installs Debian's; a developer machine without it still gets the bash -n check). */
function expectValidScripts(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "iac-sh-"));
  const paths = Object.entries(files).map(([name, text]) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  });
  for (const file of paths) expect(spawnSync("bash", ["-n", file], { encoding: "utf8" }).status, file).toBe(0);
  const check = spawnSync("shellcheck", paths, { encoding: "utf8" });
  if (check.error) {
    expect(toolingEnv().CI, "shellcheck is missing: .ci/run installs it (apt-get install shellcheck)").toBe(false);
    return;
  }
  expect(check.stdout).toBe("");
  expect(check.status).toBe(0);
}

describe("the customer's values", () => {
  it("are there for a tenant that started onboarding, with its key vault or its Managed HSM pool", async () => {
    const db = testDb();
    expect(await customerIacValues(db, "eeeeeeee-0000-4000-8000-00000000000e", provider)).toEqual({ status: "not-started" });
    expect(hsmAtAccess).toMatchObject({ keyStore: "managedHsm", tenantId: woodgrove.tenantId, subscriptionId: woodgrove.subscriptionId, resourceGroup: woodgrove.resourceGroup, hsmName: woodgrove.hsmName, keyName: woodgrove.keyName, createKey: false, keySize: 3072 });
    // The download answers with the file for the chosen store.
    expect(IAC_FILES.terraform.render(hsmAtAccess)).toContain("azurerm_key_vault_managed_hardware_security_module_role_assignment");
    expect(IAC_FILES["azure-cli"].render(hsmAtAccess)).toContain("az keyvault role assignment create --hsm-name");
    expect(IAC_FILES.terraform.render(atAccess)).toContain('resource "azurerm_role_assignment" "cmk_app_key_access"');
  });
});

describe("the Terraform configuration", () => {
  it("fills in the seeded tenant's own values, and no other tenant's", async () => {
    expect(atAccess).toMatchObject({ tenantId: contoso.tenantId, subscriptionId: contoso.subscriptionId, resourceGroup: contoso.resourceGroup, vaultName: contoso.vaultName, keyName: "disk-key", createKeyVault: false, createKey: false, vaultUsesRbac: true });
    const text = renderTerraform(atAccess);
    expect(text).not.toMatch(new RegExp(`${fabrikam.tenantId}|fabrikam`, "i"));
    const hcl = await terraformOf(atAccess);
    expect(block(hcl, "variable", "subscription_id").default).toBe(contoso.subscriptionId);
    expect(block(hcl, "variable", "create_key_vault").default).toBe(false);
    expect(block(hcl, "variable", "key_vault_name").default).toBe(contoso.vaultName);
    expect(block(hcl, "variable", "create_key").default).toBe(false);
  });

  it("declares azurerm and azuread (and time) with versions, signed in to the customer's tenant", async () => {
    const hcl = await terraformOf(atAccess);
    const required = hcl.terraform[0].required_providers[0];
    expect(required.azurerm).toEqual({ source: "hashicorp/azurerm", version: TERRAFORM_PROVIDER_VERSIONS.azurerm });
    expect(required.azuread).toEqual({ source: "hashicorp/azuread", version: TERRAFORM_PROVIDER_VERSIONS.azuread });
    expect(required.time).toEqual({ source: "hashicorp/time", version: TERRAFORM_PROVIDER_VERSIONS.time });
    expect(hcl.provider.azurerm[0].tenant_id).toBe("${local.tenant_id}");
    expect(hcl.provider.azuread[0].tenant_id).toBe("${local.tenant_id}");
    expect(locals(hcl).tenant_id).toBe(contoso.tenantId);
  });

  it("creates the CMK app's service principal from the wizard's app id, keeping one that exists", async () => {
    const hcl = await terraformOf(atAccess);
    const sp = block(hcl, "resource", "azuread_service_principal", "cmk_app");
    expect(sp.use_existing).toBe(true);
    expect(resolve(hcl, sp.client_id, CONTOSO_VAULT_ID)).toBe(serverEnv().CMK_APP_CLIENT_ID);
  });

  it("creates a vault with purge protection, soft delete and RBAC in a provider region, or reads the existing one", async () => {
    const hcl = await terraformOf(fresh);
    const vault = block(hcl, "resource", "azurerm_key_vault", "cmk");
    expect(vault).toMatchObject({ count: "${var.create_key_vault ? 1 : 0}", purge_protection_enabled: true, rbac_authorization_enabled: true, soft_delete_retention_days: 90, tenant_id: "${local.tenant_id}" });
    expect(block(hcl, "data", "azurerm_key_vault", "existing").count).toBe("${var.create_key_vault ? 0 : 1}");
    const location = block(hcl, "variable", "location");
    expect(location.default).toBe(serverEnv().PROVIDER_DES_REGIONS[0]);
    expect(location.validation[0].condition).toBe(`\${contains(${JSON.stringify(serverEnv().PROVIDER_DES_REGIONS).replace(/,/g, ", ")}, var.location)}`);
    expect(block(hcl, "variable", "create_key_vault").default).toBe(true);
    expect(block(hcl, "variable", "subscription_id").default, "no subscription chosen yet: Terraform asks").toBeUndefined();
  });

  it("creates the key with the wizard's key rules and a rotation policy within Key Vault's limits", async () => {
    const hcl = await terraformOf(fresh);
    const key = block(hcl, "resource", "azurerm_key_vault_key", "cmk");
    expect(key.key_opts).toEqual(["wrapKey", "unwrapKey", "encrypt", "decrypt"]);
    expect(block(hcl, "variable", "key_type").validation[0].condition).toBe(`\${contains(${JSON.stringify(ALLOWED_KEY_TYPES).replace(/,/g, ", ")}, var.key_type)}`);
    expect(block(hcl, "variable", "key_size").validation[0].condition).toBe(`\${contains(${JSON.stringify(ALLOWED_KEY_SIZES).replace(/,/g, ", ")}, var.key_size)}`);
    expect(block(hcl, "variable", "key_size").default).toBe(3072);
    const policy = key.rotation_policy[0];
    const days = (expression: string) => Number(/^P(\d+)D$/.exec(resolve(hcl, expression, ""))![1]);
    const choice = { rotateEveryDays: days(policy.automatic[0].time_after_creation), expiryDays: days(policy.expire_after), notifyDaysBeforeExpiry: days(policy.notify_before_expiry) };
    expect(choice).toEqual({ rotateEveryDays: 365, expiryDays: 730, notifyDaysBeforeExpiry: 30 });
    expect(rotationChoiceProblems(choice)).toEqual([]);
    // The same limits guard changes to the variables: per variable, and across them before the key is created.
    expect(block(hcl, "variable", "rotate_after_days").validation[0].condition).toBe(`\${var.rotate_after_days >= ${ROTATION_LIMITS.minRotateDays}}`);
    expect(block(hcl, "variable", "expire_after_days").validation[0].condition).toContain(`var.expire_after_days >= ${ROTATION_LIMITS.minExpiryDays}`);
    expect(key.lifecycle[0].precondition[0].condition).toBe(`\${var.rotate_after_days <= var.expire_after_days - ${ROTATION_LIMITS.minRotateBeforeExpiryDays}}`);
    // The deployer's data-plane role comes first (creating a key needs it), then the wait for propagation.
    expect(key.depends_on).toEqual(["${time_sleep.deployer_role_propagation}"]);
    const officer = block(hcl, "resource", "azurerm_role_assignment", "deployer_crypto_officer");
    expect(officer.principal_id).toBe("${data.azurerm_client_config.current.object_id}");
    expect(officer.scope).toBe("${local.key_vault_id}");
    const withSubscription = await terraformOf({ ...fresh, subscriptionId: contoso.subscriptionId });
    expect(resolve(withSubscription, officer.role_definition_id, "")).toBe(roleDefinitionId(contoso.subscriptionId, CRYPTO_OFFICER_ROLE_ID));
  });

  it("assigns the wizard's role at the key's versionless id to the service principal's object id", async () => {
    const hcl = await terraformOf(atAccess);
    const grant = block(hcl, "resource", "azurerm_role_assignment", "cmk_app_key_access");
    expect(grant).toMatchObject({ principal_id: "${azuread_service_principal.cmk_app.object_id}", principal_type: "ServicePrincipal", scope: "${local.key_scope}" });
    expect(resolve(hcl, grant.role_definition_id, CONTOSO_VAULT_ID)).toBe(roleDefinitionId(contoso.subscriptionId, CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID));
    const scope = String(locals(hcl).key_scope);
    // A created key: its versionless resource id. An existing key: the scope the wizard assigns, from the vault's id.
    expect(scope).toBe(`\${var.create_key ? azurerm_key_vault_key.cmk[0].resource_versionless_id : "\${local.key_vault_id}/keys/\${var.key_name}"}`);
    const existingKeyScope = /: "(.*)"\}$/.exec(scope)![1]!;
    expect(resolve(hcl, existingKeyScope, CONTOSO_VAULT_ID)).toBe(keyScope(CONTOSO_VAULT_ID, contoso.keyName));
    const policy = block(hcl, "resource", "azurerm_key_vault_access_policy", "cmk_app");
    expect(policy.count).toBe("${local.vault_uses_rbac ? 0 : 1}");
    expect(policy.key_permissions.map((p: string) => p.toLowerCase())).toEqual(ACCESS_POLICY_KEY_PERMISSIONS.map((p) => p.toLowerCase()));
  });

  it("keeps customer text from becoming Terraform expressions, and refuses names Azure would not allow", async () => {
    const hcl = await terraformOf({ ...fresh, providerName: "Evil ${file(\"/etc/passwd\")}\nresource" });
    // hcl2json writes Terraform's JSON form, where a literal "\${" stays escaped as "$\${": not an expression.
    expect(block(hcl, "variable", "location").description).toContain("Evil $${file(");
    expect(block(hcl, "variable", "location").description).not.toMatch(/[^$]\$\{file/);
    expect(() => renderTerraform({ ...fresh, vaultName: 'kv"; rm -rf /' })).toThrow(/vaultName has characters/);
    expect(() => renderTerraform({ ...fresh, rotation: { rotateEveryDays: 30, expiryDays: 30, notifyDaysBeforeExpiry: 7 } })).toThrow(/Key Vault/);
  });

  it("is formatted as terraform fmt writes it (where a terraform binary is installed)", () => {
    expectTerraformFormatted({ "access.tf": renderTerraform(atAccess), "fresh.tf": renderTerraform(fresh) });
  });
});

describe("the Azure CLI script", () => {
  function script(values: VaultIacValues): string {
    return renderCliScript(values);
  }

  it("is valid bash, and shellcheck finds nothing", () => {
    expectValidScripts({ "access.sh": script(atAccess), "fresh.sh": script(fresh) });
  });

  it("does the whole customer side for a new customer, with the wizard's ids, and a second run creates nothing", () => {
    const az = fakeAzure({ signedInTenant: NEW_TENANT, me: "6e6e6e6e-0000-4000-8000-000000000006", spObjectId: SP_OBJECT_ID, subscriptionId: contoso.subscriptionId });
    az.given({ keyCreateFailures: 1 });
    const first = az.run(script(fresh), { SUBSCRIPTION_ID: contoso.subscriptionId });
    expect(first.status, first.stderr).toBe(0);
    const vaultId = `/subscriptions/${contoso.subscriptionId}/resourceGroups/cmk-keys-rg/providers/Microsoft.KeyVault/vaults/${fresh.vaultName}`;
    const creates = first.log.filter((line) => / create /.test(line) || line.startsWith("sleep") || line.includes("rotation-policy"));
    expect(creates).toEqual([
      `az ad sp create --id ${serverEnv().CMK_APP_CLIENT_ID} --query id --output tsv`,
      `az group create --name cmk-keys-rg --location ${serverEnv().PROVIDER_DES_REGIONS[0]} --output none`,
      `az keyvault create --name ${fresh.vaultName} --resource-group cmk-keys-rg --location ${serverEnv().PROVIDER_DES_REGIONS[0]} --sku standard --enable-rbac-authorization true --enable-purge-protection true --retention-days 90 --public-network-access Enabled --output none`,
      `az role assignment create --role ${CRYPTO_OFFICER_ROLE_ID} --assignee-object-id 6e6e6e6e-0000-4000-8000-000000000006 --assignee-principal-type User --scope ${vaultId} --output none`,
      `az keyvault key create --vault-name ${fresh.vaultName} --name disk-encryption-key --kty RSA --size 3072 --ops wrapKey unwrapKey encrypt decrypt --output none`,
      "sleep 30",
      `az keyvault key create --vault-name ${fresh.vaultName} --name disk-encryption-key --kty RSA --size 3072 --ops wrapKey unwrapKey encrypt decrypt --output none`,
      expect.stringContaining(`az keyvault key rotation-policy update --vault-name ${fresh.vaultName} --name disk-encryption-key --value `),
      `az role assignment create --role ${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID} --assignee-object-id ${SP_OBJECT_ID} --assignee-principal-type ServicePrincipal --scope ${keyScope(vaultId, "disk-encryption-key")} --output none`,
    ]);
    const policy = JSON.parse(az.file("rotation-policy")!) as { lifetimeActions: { trigger: unknown; action: { type: string } }[]; attributes: unknown };
    const wizard = rotationPolicyFor(fresh.rotation);
    expect(policy.attributes).toEqual(wizard.attributes);
    expect(policy.lifetimeActions.map((a) => [a.trigger, a.action.type.toLowerCase()])).toEqual(wizard.lifetimeActions.map((a) => [a.trigger, a.action.type]));

    const second = az.run(script(fresh), { SUBSCRIPTION_ID: contoso.subscriptionId });
    expect(second.status, second.stderr).toBe(0);
    expect(second.log.filter((line) => / create /.test(line) && !line.startsWith("az group create"))).toEqual([]);
  });

  it("at the access step, only grants the role on the chosen key to the existing service principal", () => {
    const az = fakeAzure({ signedInTenant: contoso.tenantId, me: "unused", spObjectId: "must-not-be-created", subscriptionId: contoso.subscriptionId });
    az.given({ servicePrincipal: SP_OBJECT_ID, vault: { id: CONTOSO_VAULT_ID, rbac: true }, key: true });
    const run = az.run(script(atAccess));
    expect(run.status, run.stderr).toBe(0);
    expect(run.log).toContain(`az account set --subscription ${contoso.subscriptionId}`);
    expect(run.log.filter((line) => / create /.test(line) || / key /.test(line))).toEqual([
      `az role assignment create --role ${CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID} --assignee-object-id ${SP_OBJECT_ID} --assignee-principal-type ServicePrincipal --scope ${keyScope(CONTOSO_VAULT_ID, contoso.keyName)} --output none`,
    ]);
  });

  it("gives an access-policy vault the wizard's access policy instead", () => {
    const az = fakeAzure({ signedInTenant: contoso.tenantId, me: "unused", spObjectId: SP_OBJECT_ID, subscriptionId: contoso.subscriptionId });
    az.given({ servicePrincipal: SP_OBJECT_ID, vault: { id: CONTOSO_VAULT_ID, rbac: false }, key: true });
    const run = az.run(script({ ...atAccess, vaultUsesRbac: false }));
    expect(run.status, run.stderr).toBe(0);
    expect(run.log).toContain(`az keyvault set-policy --name ${contoso.vaultName} --resource-group ${contoso.resourceGroup} --object-id ${SP_OBJECT_ID} --key-permissions ${ACCESS_POLICY_KEY_PERMISSIONS.join(" ")} --output none`);
    expect(run.log.some((line) => line.startsWith("az role assignment create"))).toBe(false);
  });

  it("stops before changing anything when signed in to another tenant", () => {
    const az = fakeAzure({ signedInTenant: fabrikam.tenantId, me: "unused", spObjectId: SP_OBJECT_ID, subscriptionId: contoso.subscriptionId });
    const run = az.run(script(atAccess));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`signed in to tenant ${fabrikam.tenantId}; this script is for ${contoso.tenantId}`);
    expect(run.log).toEqual(["az account show --query tenantId --output tsv"]);
  });
});

describe("the files for a key in a Managed HSM pool", () => {
  const hclOf = async (values: HsmIacValues) => (await parse("main.tf", renderHsmTerraform(values))) as Hcl;

  it("Terraform: the wizard's local role, by the id the pool's API takes, at the key's local scope, for the CMK app's service principal", async () => {
    const hcl = await hclOf(hsmAtAccess);
    expect(renderHsmTerraform(hsmAtAccess)).not.toMatch(new RegExp(`${contoso.tenantId}|${fabrikam.tenantId}`));
    const required = hcl.terraform[0].required_providers[0];
    expect(required.azurerm).toEqual({ source: "hashicorp/azurerm", version: TERRAFORM_PROVIDER_VERSIONS.azurerm });
    expect(required.azuread).toEqual({ source: "hashicorp/azuread", version: TERRAFORM_PROVIDER_VERSIONS.azuread });
    expect(locals(hcl)).toMatchObject({ tenant_id: woodgrove.tenantId, cmk_app_client_id: serverEnv().CMK_APP_CLIENT_ID });
    // The pool is the one chosen in the wizard, read as it is (never created).
    expect(block(hcl, "data", "azurerm_key_vault_managed_hardware_security_module", "pool")).toEqual({ name: "${var.managed_hsm_name}", resource_group_name: "${var.resource_group_name}" });
    expect(block(hcl, "variable", "managed_hsm_name").default).toBe(woodgrove.hsmName);
    expect(block(hcl, "variable", "resource_group_name").default).toBe(woodgrove.resourceGroup);
    expect(block(hcl, "variable", "subscription_id").default).toBe(woodgrove.subscriptionId);
    expect(hcl.resource.azurerm_key_vault_managed_hardware_security_module).toBeUndefined();
    expect(block(hcl, "resource", "azuread_service_principal", "cmk_app")).toMatchObject({ client_id: "${local.cmk_app_client_id}", use_existing: true });

    const grant = block(hcl, "resource", "azurerm_key_vault_managed_hardware_security_module_role_assignment", "cmk_app_key_access");
    expect(grant).toMatchObject({
      managed_hsm_id: "${data.azurerm_key_vault_managed_hardware_security_module.pool.id}",
      scope: "${local.key_scope}",
      role_definition_id: "${local.role_definition_id}",
      principal_id: "${azuread_service_principal.cmk_app.object_id}",
    });
    // What the wizard sends in its PUT, with the leading slash azurerm's scoped role definition id wants.
    expect(locals(hcl).role_definition_id).toBe(`/${hsmRoleDefinitionId()}`);
    expect(HSM_TERRAFORM_ROLE_DEFINITION_ID).toBe(`/Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID}`);
    expect(resolve(hcl, String(locals(hcl).key_scope), "")).toBe(hsmKeyScope(woodgrove.keyName));
    // A deterministic GUID (azurerm requires a name): Terraform's uuidv5 of pool, scope, principal and role.
    expect(grant.name).toMatch(/^\$\{uuidv5\("url", "\$\{data\.azurerm_key_vault_managed_hardware_security_module\.pool\.hsm_uri\}\|\$\{local\.key_scope\}\|\$\{azuread_service_principal\.cmk_app\.object_id\}\|\$\{local\.role_definition_id\}"\)\}$/);
    expect(block(hcl, "resource", "azurerm_key_vault_managed_hardware_security_module_key", "cmk").count).toBe("${var.create_key ? 1 : 0}");
    expect(block(hcl, "variable", "create_key").default).toBe(false);
  });

  it("Terraform: creates an RSA-HSM key in the pool when none is chosen, with the wizard's key rules", async () => {
    const hcl = await hclOf(hsmNoKey);
    const key = block(hcl, "resource", "azurerm_key_vault_managed_hardware_security_module_key", "cmk");
    expect(key).toMatchObject({ name: "${var.key_name}", managed_hsm_id: "${data.azurerm_key_vault_managed_hardware_security_module.pool.id}", key_type: "RSA-HSM", key_size: "${var.key_size}", key_opts: ["wrapKey", "unwrapKey", "encrypt", "decrypt"] });
    expect(block(hcl, "variable", "key_size").validation[0].condition).toBe(`\${contains(${JSON.stringify(ALLOWED_KEY_SIZES).replace(/,/g, ", ")}, var.key_size)}`);
    expect(block(hcl, "variable", "create_key").default).toBe(true);
    expect(block(hcl, "variable", "key_name").default).toBe("disk-encryption-key");
    // The grant waits for the key, and the new key's versioned URL is printed for the key step or the API.
    expect(block(hcl, "resource", "azurerm_key_vault_managed_hardware_security_module_role_assignment", "cmk_app_key_access").depends_on).toEqual(["${azurerm_key_vault_managed_hardware_security_module_key.cmk}"]);
    expect(block(hcl, "output", "key_url").value).toBe("${var.create_key ? azurerm_key_vault_managed_hardware_security_module_key.cmk[0].versioned_id : null}");
  });

  it("Terraform: formatted as terraform fmt writes it (where a terraform binary is installed)", () => {
    expectTerraformFormatted({ "access.tf": renderHsmTerraform(hsmAtAccess), "new-key.tf": renderHsmTerraform(hsmNoKey) });
  });

  it("Terraform: the role assignment's name evaluates to a GUID (where a terraform binary is installed)", async () => {
    const grant = block(await hclOf(hsmAtAccess), "resource", "azurerm_key_vault_managed_hardware_security_module_role_assignment", "cmk_app_key_access");
    // The expression with its references replaced by what Azure and the wizard would give, evaluated by Terraform itself.
    const expression = String(grant.name).slice(2, -1)
      .replace("${data.azurerm_key_vault_managed_hardware_security_module.pool.hsm_uri}", `https://${woodgrove.hsmName}.managedhsm.azure.net/`)
      .replace("${local.key_scope}", hsmKeyScope(woodgrove.keyName))
      .replace("${azuread_service_principal.cmk_app.object_id}", SP_OBJECT_ID)
      .replace("${local.role_definition_id}", HSM_TERRAFORM_ROLE_DEFINITION_ID);
    const evaluated = spawnSync("terraform", ["console"], { input: `${expression}\n`, encoding: "utf8", cwd: mkdtempSync(path.join(tmpdir(), "iac-hsm-console-")), env: childEnv({ TF_CLI_CONFIG_FILE: "/dev/null" }) });
    if (evaluated.error) {
      expect(evaluated.error.message).toContain("ENOENT");
      return;
    }
    expect(evaluated.stdout.trim(), evaluated.stderr).toMatch(/^"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"$/);
  });

  it("the CLI script is valid bash, and shellcheck finds nothing", () => {
    expectValidScripts({ "access.sh": renderHsmCliScript(hsmAtAccess), "new-key.sh": renderHsmCliScript(hsmNoKey) });
  });

  it("the CLI script creates the RSA-HSM key and assigns the wizard's local role at /keys/{name}; a second run creates nothing", () => {
    const az = fakeAzure({ signedInTenant: woodgrove.tenantId, me: "unused", spObjectId: SP_OBJECT_ID, subscriptionId: woodgrove.subscriptionId });
    az.given({ hsm: true });
    const first = az.run(renderHsmCliScript(hsmNoKey));
    expect(first.status, first.stderr).toBe(0);
    expect(first.log).toContain(`az account set --subscription ${woodgrove.subscriptionId}`);
    expect(first.log.filter((line) => / create /.test(line))).toEqual([
      `az ad sp create --id ${serverEnv().CMK_APP_CLIENT_ID} --query id --output tsv`,
      `az keyvault key create --hsm-name ${woodgrove.hsmName} --name disk-encryption-key --kty RSA-HSM --size 3072 --ops wrapKey unwrapKey encrypt decrypt --output none`,
      `az keyvault role assignment create --hsm-name ${woodgrove.hsmName} --role ${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID} --scope ${hsmKeyScope("disk-encryption-key")} --assignee-object-id ${SP_OBJECT_ID} --assignee-principal-type ServicePrincipal --output none`,
    ]);
    const second = az.run(renderHsmCliScript(hsmNoKey));
    expect(second.status, second.stderr).toBe(0);
    expect(second.log.filter((line) => / create /.test(line))).toEqual([]);
  });

  it("the CLI script at the access step only grants the role on the chosen key, and stops when the pool is not there", () => {
    const az = fakeAzure({ signedInTenant: woodgrove.tenantId, me: "unused", spObjectId: "must-not-be-created", subscriptionId: woodgrove.subscriptionId });
    az.given({ servicePrincipal: SP_OBJECT_ID });
    const missing = az.run(renderHsmCliScript(hsmAtAccess));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`no Managed HSM ${woodgrove.hsmName} in subscription ${woodgrove.subscriptionId}`);
    expect(missing.log.some((line) => / create /.test(line))).toBe(false);

    az.given({ hsm: true, key: true });
    const run = az.run(renderHsmCliScript(hsmAtAccess));
    expect(run.status, run.stderr).toBe(0);
    expect(run.log.filter((line) => / create /.test(line) || / key /.test(line))).toEqual([
      `az keyvault role assignment create --hsm-name ${woodgrove.hsmName} --role ${HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_ID} --scope ${hsmKeyScope(woodgrove.keyName)} --assignee-object-id ${SP_OBJECT_ID} --assignee-principal-type ServicePrincipal --output none`,
    ]);
  });
});
