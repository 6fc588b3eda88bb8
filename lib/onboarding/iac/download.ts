// The route handlers' one body: the signed-in customer administrator downloads a file for their own tenant.
// Not audited: it changes nothing and shows only ids the access step already shows to the same person.
import "server-only";
import { CUSTOMER_ADMIN_ROLE, hasAnyRole } from "../../auth/roles";
import { currentSession } from "../../auth/session";
import { db } from "../../db/client";
import { serverEnv } from "../../env";
import { routeErrorResponse } from "../../route-error";
import { guardRoute } from "../../security/route-guard";
import type { IacFile } from "./downloads";
import { customerIacValues, IAC_FILES } from "./files";

export async function iacDownloadResponse(request: Request, file: IacFile): Promise<Response> {
  const refused = await guardRoute(request);
  if (refused) return refused;
  const user = await currentSession();
  if (!user) return routeErrorResponse(request, 401, { code: "UNAUTHENTICATED", message: "Sign in to download your onboarding files." });
  if (user.kind !== "CUSTOMER") return routeErrorResponse(request, 403, { code: "FORBIDDEN", message: "These files are for a customer's administrators; staff have nothing to apply in a customer tenant." });
  if (!hasAnyRole(user.roles, [CUSTOMER_ADMIN_ROLE])) {
    return routeErrorResponse(request, 403, { code: "FORBIDDEN", message: `Downloading the onboarding files needs the ${CUSTOMER_ADMIN_ROLE} role.`, fix: "Ask an administrator of your organization to assign it to you, or to download and apply the files." });
  }
  const env = serverEnv();
  const iac = await customerIacValues(db(), user.tenantId, { cmkAppClientId: env.CMK_APP_CLIENT_ID, cmkAppDisplayName: env.CMK_APP_DISPLAY_NAME, providerName: env.PROVIDER_DISPLAY_NAME, regions: env.PROVIDER_DES_REGIONS });
  if (iac.status === "not-started") return routeErrorResponse(request, 404, { code: "NOT_FOUND", message: "Your organization has not started onboarding yet.", fix: "Open /onboarding: a customer administrator starts it there." });
  const { filename, contentType, render } = IAC_FILES[file];
  return new Response(render(iac.values), { headers: { "Content-Type": contentType, "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" } });
}
