import { apiHandler } from "@/lib/api/http";
import { OPERATIONS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

const submitKey = apiHandler(OPERATIONS.submitKey);

export async function POST(request: Request) {
  return submitKey(request);
}
