import { apiHandler } from "@/lib/api/http";
import { OPERATIONS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

const listTenants = apiHandler(OPERATIONS.listTenants);

export async function GET(request: Request) {
  return listTenants(request);
}
