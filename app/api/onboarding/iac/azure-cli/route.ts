import { iacDownloadResponse } from "@/lib/onboarding/iac/download";

export const dynamic = "force-dynamic";

/** The customer's side of onboarding for their own tenant, as a file (lib/onboarding/iac). */
export function GET(request: Request) {
  return iacDownloadResponse(request, "azure-cli");
}
