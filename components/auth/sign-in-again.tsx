"use client";

import { usePathname } from "next/navigation";
import type { AppErrorCode } from "@/lib/errors";

/** Sign-in reasons that another sign-in resolves, with the prompt Entra needs for them (see the sign-in page). */
const REASON_FOR: Partial<Record<AppErrorCode, { reason: string; label: string }>> = {
  CONSENT_REQUIRED: { reason: "consent", label: "Sign in again to grant consent" },
  INTERACTION_REQUIRED: { reason: "interaction", label: "Sign in again with the extra step" },
  STEP_UP_REQUIRED: { reason: "step-up", label: "Sign in again to confirm" },
};

/** The sign-in area of a page: staff pages sign in against the provider tenant. */
function areaOf(pathname: string): "customer" | "operator" | "support" {
  if (pathname.startsWith("/support")) return "support";
  if (pathname.startsWith("/tenants")) return "operator";
  return "customer";
}

/** For an error that a new sign-in resolves (consent, MFA, step-up): a link to it that comes back to this page. */
export function SignInAgainLink({ code }: { code: AppErrorCode }) {
  const pathname = usePathname();
  const target = REASON_FOR[code];
  if (!target) return null;
  const params = new URLSearchParams({ area: areaOf(pathname), reason: target.reason, returnTo: pathname });
  return (
    <a href={`/signin?${params}`} className="mt-2 inline-block font-medium text-brand-700 underline">
      {target.label}
    </a>
  );
}
