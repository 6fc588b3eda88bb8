import { openApiDocument } from "@/lib/api/openapi";

export const dynamic = "force-dynamic";

/** The API's OpenAPI 3.1 document: public, like any API description (it holds no tenant's data). */
export async function GET() {
  return Response.json(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } });
}
