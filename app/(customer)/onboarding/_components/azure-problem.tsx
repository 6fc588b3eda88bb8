import { toPublicError } from "@/lib/errors";
import { SignInAgainLink } from "@/components/auth/sign-in-again";

/** Renders a failure of a page's Azure read (safe text only). */
export function AzureProblem({ error }: { error: unknown }) {
  const problem = toPublicError(error);
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-red-800">
      <p className="font-medium">{problem.message}</p>
      {problem.fix && <p className="mt-1">{problem.fix}</p>}
      {problem.azureCode && <p className="mt-1 font-mono text-xs">Azure code: {problem.azureCode}</p>}
      <SignInAgainLink code={problem.code} />
    </div>
  );
}
