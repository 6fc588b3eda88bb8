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

/** The values for the customer tenant `tenantId` (from the session, never from input); null if it has not started onboarding. */
export async function customerIacValues(db: Db, tenantId: string, provider: ProviderFacts): Promise<IacValues | null> {
  const tenant = await db.customerTenant.findUnique({
    where: { tenantId },
    select: { tenantId: true, onboarding: { select: { vaultResourceId: true, keyName: true, permissionModel: true } } },
  });
  return tenant ? iacValuesFor({ tenantId: tenant.tenantId, onboarding: tenant.onboarding }, provider) : null;
}
