import Link from "next/link";
import { hsmKeyScope, HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME } from "@/lib/azure/managed-hsm";
import { hsmAccessSnippets } from "@/lib/onboarding/managed-hsm";
import { AccessPanel } from "./access-panel";

/** The access step for a key in a Managed HSM pool: a local RBAC role on the key, not an Azure role assignment. */
export function HsmAccess({ hsmName, keyName, servicePrincipalObjectId, grantedAt }: { hsmName: string; keyName: string; servicePrincipalObjectId: string; grantedAt: Date | null }) {
  return (
    <>
      <dl className="grid gap-4 rounded-xl border border-slate-200 bg-white p-6">
        <div>
          <dt className="text-sm text-slate-500">What will be granted</dt>
          <dd>
            The Managed HSM local role <strong>{HSM_CRYPTO_SERVICE_ENCRYPTION_USER_ROLE_NAME}</strong> (read the key, wrap key, unwrap key) — on this one key only. It is
            assigned in the pool&apos;s own role management, not in Azure RBAC.
          </dd>
        </div>
        <div>
          <dt className="text-sm text-slate-500">To</dt>
          <dd>
            The provider&apos;s app (enterprise application object id <span className="font-mono">{servicePrincipalObjectId}</span>), as a service principal
          </dd>
        </div>
        <div>
          <dt className="text-sm text-slate-500">On</dt>
          <dd className="break-all font-mono text-sm">
            {hsmName}: {hsmKeyScope(keyName)}
          </dd>
        </div>
      </dl>
      {grantedAt ? (
        <p role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-emerald-900">
          Access granted on {grantedAt.toISOString().slice(0, 16).replace("T", " ")} UTC.{" "}
          <Link href="/onboarding/verify" className="font-medium underline">
            Continue to verification
          </Link>
        </p>
      ) : (
        <AccessPanel snippets={hsmAccessSnippets({ hsmName, keyName, servicePrincipalObjectId })} store="managedHsm" />
      )}
    </>
  );
}
