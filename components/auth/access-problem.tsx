import Link from "next/link";
import type { AreaAccess } from "@/lib/auth/guards";
import type { Area } from "@/lib/auth/roles";
import { PageShell } from "@/components/ui/page-shell";

const AUDIENCE = { customer: "Customer", operator: "Operator", support: "Support" } as const;

/** Shown instead of an area's pages when the signed-in account may not use it, with what to do. */
export function AccessProblem({ area, access }: { area: Area; access: Exclude<AreaAccess, { ok: true }> }) {
  const user = access.user;
  return (
    <PageShell audience={AUDIENCE[area]} title={access.reason === "missing-role" ? "You need a role for this area" : "This account cannot use this area"} user={user}>
      <div role="alert" className="max-w-2xl rounded-xl border border-amber-200 bg-amber-50 p-6 text-amber-950">
        {access.reason === "missing-role" ? (
          <>
            <p>
              You are signed in as <strong>{user.userName}</strong>, but your account has no{" "}
              {access.requiredRoles.length > 1 ? "one of the roles " : "role "}
              <strong>{access.requiredRoles.join(" or ")}</strong> on the CMK Portal app.
            </p>
            <p className="mt-3">
              Ask your administrator for role <strong>{access.requiredRoles[0]}</strong>: in Microsoft Entra admin center →
              Enterprise applications → CMK Portal → Users and groups → Add user/group, choose your account and the role. Then
              sign out and sign in again.
            </p>
          </>
        ) : (
          <p>
            You are signed in as <strong>{user.userName}</strong>, which is{" "}
            {user.kind === "STAFF" ? "a provider staff account" : "a customer account"}. {area === "customer" ? "Customer onboarding needs an account of the customer's own organization." : "This area is for the provider's staff only."}
          </p>
        )}
        <p className="mt-4">
          <Link href="/signout" prefetch={false} className="font-medium text-brand-700 underline">
            Sign out and use another account
          </Link>
        </p>
      </div>
    </PageShell>
  );
}
