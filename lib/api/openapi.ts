// The OpenAPI 3.1 document of /api/v1, generated from the operations table and its zod schemas (the ones the handlers
// parse and shape with), served at /api/v1/openapi.json.
import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";
import { serverEnv } from "../env";
import { ALL_OPERATIONS, type ApiOperation } from "./operations";
import { PROBLEM_CONTENT_TYPE } from "./problem";
import { problemResponse } from "./schemas";

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid parameters or body (fields says which).",
  401: "No valid Entra access token for the portal's API.",
  403: "The token's roles do not allow this operation.",
  404: "Nothing found for the caller's tenant or this id.",
  409: "Conflicts with the current state (e.g. already submitted, key not verified yet, request with this Idempotency-Key still running).",
  422: "The Idempotency-Key was used before for a different request.",
  429: "Too many requests for this tenant: wait for Retry-After.",
  502: "Azure refused or failed.",
};

const idempotencyHeader = z.object({
  "Idempotency-Key": z.string().min(1).max(255).optional().meta({ description: "Any unique string (a UUID): a retry with the same key and body gets the first successful response again." }),
});

function operationObject(operation: ApiOperation): ZodOpenApiOperationObject {
  const problems = [...new Set([401, 403, 429, ...operation.problems])].sort();
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    description: `${operation.description}\n\nFor ${operation.audience === "customer" ? "customers" : "the provider's staff"}; roles: ${operation.roles.join(", ")}.`,
    tags: [operation.audience],
    security: [{ entra: [] }],
    requestParams: {
      ...(operation.query ? { query: operation.query } : {}),
      ...(operation.params ? { path: operation.params } : {}),
      ...(operation.method === "post" ? { header: idempotencyHeader } : {}),
    },
    ...(operation.body ? { requestBody: { required: true, content: { "application/json": { schema: operation.body } } } } : {}),
    responses: {
      [String(operation.success.status)]: { description: operation.success.description, content: { "application/json": { schema: operation.success.schema } } },
      ...Object.fromEntries(
        problems.map((status) => [
          String(status),
          {
            description: PROBLEM_DESCRIPTIONS[status] ?? "Problem.",
            ...(status === 429 ? { headers: z.object({ "Retry-After": z.string().meta({ description: "Seconds to wait." }) }) } : {}),
            content: { [PROBLEM_CONTENT_TYPE]: { schema: problemResponse } },
          },
        ]),
      ),
    },
  };
}

export function openApiDocument() {
  const env = serverEnv();
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of ALL_OPERATIONS) paths[operation.path] = { ...paths[operation.path], [operation.method]: operationObject(operation) };
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "CMK Portal API",
      version: "1.0.0",
      description:
        "Customer-managed keys for the provider's managed disks, without clicking: customers (people or their pipelines) onboard and read status; the provider's staff automate the console. Authenticate with a Microsoft Entra access token for the portal's API. Errors are RFC 9457 problem details with the portal's code and fix.",
    },
    servers: [{ url: env.APP_BASE_URL }],
    components: {
      securitySchemes: {
        entra: {
          type: "oauth2",
          description: `Delegated (people): scope api://${env.PORTAL_CLIENT_ID}/access_as_user. App-only (pipelines): client credentials for api://${env.PORTAL_CLIENT_ID}/.default; the app needs the app role Customer.Automation (customers) or a staff app role (provider).`,
          flows: {
            clientCredentials: { tokenUrl: `${env.AZURE_AUTHORITY_HOST.replace(/\/$/, "")}/{tenant}/oauth2/v2.0/token`, scopes: { [`api://${env.PORTAL_CLIENT_ID}/.default`]: "App roles assigned to the calling app" } },
            authorizationCode: {
              authorizationUrl: `${env.AZURE_AUTHORITY_HOST.replace(/\/$/, "")}/organizations/oauth2/v2.0/authorize`,
              tokenUrl: `${env.AZURE_AUTHORITY_HOST.replace(/\/$/, "")}/organizations/oauth2/v2.0/token`,
              scopes: { [`api://${env.PORTAL_CLIENT_ID}/access_as_user`]: "Act as the signed-in user" },
            },
          },
        },
      },
    },
    paths,
  });
}
