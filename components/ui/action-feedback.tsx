"use client";

import { useEffect, useRef } from "react";
import type { PublicError } from "@/lib/errors";
import { SignInAgainLink } from "@/components/auth/sign-in-again";

/** An action's error, announced to screen readers and focused so keyboard users land on it. */
export function ActionError({ error }: { error: PublicError | null }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  return (
    <div ref={ref} tabIndex={-1} role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-red-800 outline-none focus:ring-2 focus:ring-red-400">
      <p className="font-medium">{error.message}</p>
      {error.fix && <p className="mt-1">{error.fix}</p>}
      {error.azureCode && <p className="mt-1 font-mono text-xs text-red-700">Azure code: {error.azureCode}</p>}
      {error.reference && (
        <p className="mt-1 text-xs text-red-700">
          Reference: <code className="font-mono">{error.reference}</code>
        </p>
      )}
      <SignInAgainLink code={error.code} />
    </div>
  );
}
