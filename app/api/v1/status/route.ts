import { apiHandler } from "@/lib/api/http";
import { OPERATIONS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

const readStatus = apiHandler(OPERATIONS.readStatus);

export async function GET(request: Request) {
  return readStatus(request);
}
