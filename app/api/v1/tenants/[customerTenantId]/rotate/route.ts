import { apiHandler } from "@/lib/api/http";
import { OPERATIONS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

const rotateKey = apiHandler(OPERATIONS.rotateKey);

export async function POST(request: Request, context: { params: Promise<{ customerTenantId: string }> }) {
  return rotateKey(request, await context.params);
}
