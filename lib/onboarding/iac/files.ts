// The downloadable files and the values they are filled in with, for the signed-in customer's own tenant only.
import type { Db } from "../../db/client";
import { renderCliScript } from "./cli-script";
import { iacFilename, type IacFile } from "./downloads";
import { renderHsmCliScript, renderHsmTerraform } from "./managed-hsm";
import { renderTerraform } from "./terraform";
import { iacValuesFor, type IacValues } from "./values";

/** Each file for the store the customer chose: a key vault, or a Managed HSM pool. */
export const IAC_FILES: Record<IacFile, { filename: string; contentType: string; render: (values: IacValues) => string }> = {
  terraform: { filename: iacFilename("terraform"), contentType: "text/plain; charset=utf-8", render: (values) => (values.keyStore === "managedHsm" ? renderHsmTerraform(values) : renderTerraform(values)) },
  "azure-cli": { filename: iacFilename("azure-cli"), contentType: "text/x-shellscript; charset=utf-8", render: (values) => (values.keyStore === "managedHsm" ? renderHsmCliScript(values) : renderCliScript(values)) },
};

export type ProviderFacts = { cmkAppClientId: string; cmkAppDisplayName: string; providerName: string; regions: string[] };

export type CustomerIac = { status: "ready"; values: IacValues } | { status: "not-started" };

/** The values for the customer tenant \`tenantId\` (from the session, never from input). */
export async function customerIacValues(db: Db, tenantId: string, provider: ProviderFacts): Promise<CustomerIac> {
  const tenant = await db.customerTenant.findUnique({
    where: { tenantId },
    select: { tenantId: true, onboarding: { select: { vaultResourceId: true, keyName: true, permissionModel: true } } },
  });
  if (!tenant) return { status: "not-started" };
  return { status: "ready", values: iacValuesFor({ tenantId: tenant.tenantId, onboarding: tenant.onboarding }, provider) };
}
