import { apiHandler } from "@/lib/api/http";
import { OPERATIONS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

const readOnboarding = apiHandler(OPERATIONS.readOnboarding);

export async function GET(request: Request) {
  return readOnboarding(request);
}
