// The two downloads as the access step lists them (plain data, safe for client components).
export const IAC_DOWNLOADS = [
  { file: "terraform", filename: "cmk-customer-side.tf", label: "Terraform configuration", tool: "azurerm + azuread providers, one terraform apply" },
  { file: "azure-cli", filename: "cmk-customer-side.sh", label: "Azure CLI script", tool: "bash, safe to run again" },
] as const;
export type IacFile = (typeof IAC_DOWNLOADS)[number]["file"];

/** Where each file is downloaded from (app/api/onboarding/iac/<file>/route.ts). */
export function iacDownloadPath(file: IacFile): string {
  return `/api/onboarding/iac/${file}`;
}

export function iacFilename(file: IacFile): string {
  return IAC_DOWNLOADS.find((d) => d.file === file)!.filename;
}
