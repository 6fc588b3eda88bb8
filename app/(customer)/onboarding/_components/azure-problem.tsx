import { headers } from "next/headers";
import { toPublicError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { azureRequestIds } from "@/lib/provisioning/azure-errors";
import { acceptRequestId, REQUEST_ID_HEADER, shortReference } from "@/lib/request-id";
import { SignInAgainLink } from "@/components/auth/sign-in-again";

/**
 * Renders a failure of a page's Azure read (safe text only) with the request's reference; the failure is logged
 * under the full request id, with Azure's own ids, so support can find it from what the person quotes.
 */
export async function AzureProblem({ error }: { error: unknown }) {
  const requestId = acceptRequestId((await headers()).get(REQUEST_ID_HEADER));
  logger.warn({ err: error, requestId, ...azureRequestIds(error) }, "a page's Azure read failed");
  const problem = toPublicError(error, shortReference(requestId));
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-red-800">
      <p className="font-medium">{problem.message}</p>
      {problem.fix && <p className="mt-1">{problem.fix}</p>}
      {problem.azureCode && <p className="mt-1 font-mono text-xs">Azure code: {problem.azureCode}</p>}
      {problem.reference && (
        <p className="mt-1 text-xs">
          Reference: <code className="font-mono">{problem.reference}</code>
        </p>
      )}
      <SignInAgainLink code={problem.code} />
    </div>
  );
}
