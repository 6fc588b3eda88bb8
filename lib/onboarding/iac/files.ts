// The downloadable files and the values they are filled in with, for the signed-in customer's own tenant only.
import type { Db } from "../../db/client";
import { renderCliScript } from "./cli-script";
import { iacFilename, type IacFile } from "./downloads";
import { renderTerraform } from "./terraform";
import { iacValuesFor, type IacValues } from "./values";

export const IAC_FILES: Record<IacFile, { filename: string; contentType: string; render: (values: IacValues) => string }> = {
  terraform: { filename: iacFilename("terraform"), contentType: "text/plain; charset=utf-8", render: renderTerraform },
  "azure-cli": { filename: iacFilename("azure-cli"), contentType: "text/x-shellscript; charset=utf-8", render: renderCliScript },
};

export type ProviderFacts = { cmkAppClientId: string; cmkAppDisplayName: string; providerName: string; regions: string[] };

export type CustomerIac = { status: "ready"; values: IacValues } | { status: "not-started" } | { status: "managed-hsm" };

/** The values for the customer tenant \`tenantId\` (from the session, never from input). */
export async function customerIacValues(db: Db, tenantId: string, provider: ProviderFacts): Promise<CustomerIac> {
  const tenant = await db.customerTenant.findUnique({
    where: { tenantId },
    select: { tenantId: true, onboarding: { select: { vaultResourceId: true, keyName: true, permissionModel: true } } },
  });
  if (!tenant) return { status: "not-started" };
  // The files write Key Vault vaults only; a key in a Managed HSM pool is granted through the HSM's local RBAC.
  if (tenant.onboarding?.permissionModel === "MANAGED_HSM") return { status: "managed-hsm" };
  return { status: "ready", values: iacValuesFor({ tenantId: tenant.tenantId, onboarding: tenant.onboarding }, provider) };
}
