import { apiHandler } from "@/lib/api/http";
import { OPERATIONS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

const readTenant = apiHandler(OPERATIONS.readTenant);

export async function GET(request: Request, context: { params: Promise<{ customerTenantId: string }> }) {
  return readTenant(request, await context.params);
}
