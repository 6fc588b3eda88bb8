import { JobEngineAlert } from "@/components/jobs/job-engine-alert";
import { db } from "@/lib/db/client";
import { jobEngineNotice } from "@/lib/jobs/engine-notice";
import type { JobEngineStatus } from "@/lib/jobs/heartbeat";
import { notificationsFor } from "@/lib/support/notifications";
import { activeRevocation } from "@/lib/support/revocation";
import { pendingRestore } from "@/lib/support/restore";
import { ConfirmRestoreButton } from "./confirm-restore";
import { currentSession } from "@/lib/auth/session";
import { CUSTOMER_ADMIN_ROLE } from "@/lib/auth/roles";
import { NewestKeyVersionButton } from "./newest-key-version";

const when = (d: Date | null | undefined) => (d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—");

/** Key rotation on request, and what provider support is doing about revocation (the admins' notifications). */
export async function KeySupportPanel({ entraTenantId, engine }: { entraTenantId: string; engine: JobEngineStatus }) {
  const tenant = await db().customerTenant.findUnique({ where: { tenantId: entraTenantId }, include: { _count: { select: { diskEncryptionSets: true } } } });
  if (!tenant || tenant._count.diskEncryptionSets === 0) return null;
  const [revocation, notifications, restore, user] = await Promise.all([activeRevocation(db(), tenant.id), notificationsFor(db(), tenant.id, 5), pendingRestore(db(), tenant.id), currentSession()]);
  // Only an admin may be the second person of a restore (the action checks it too); readers are told who can.
  const canConfirmRestore = Boolean(user?.roles.includes(CUSTOMER_ADMIN_ROLE));
  return (
    <section aria-labelledby="key-support-heading" className="space-y-4 rounded-xl border border-slate-200 bg-white p-6">
      <h2 id="key-support-heading" className="text-lg font-semibold">
        Key rotation and revocation
      </h2>
      {revocation && (
        <div role="status" className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-rose-950">
          <p className="font-medium">
            {revocation.status === "PENDING_APPROVAL" || revocation.status === "NEEDS_REAPPROVAL"
              ? `Revocation requested by provider support — waiting for a second person's approval until ${when(revocation.expiresAt)}.`
              : revocation.status === "EXECUTED"
                ? `Access to your key is revoked since ${when(revocation.executedAt)}.`
                : revocation.status === "RESTORING"
                  ? "Access is being restored."
                  : "Revocation approved: the provider is stopping the VMs that use your key."}
          </p>
          <p className="mt-1">Reason: {revocation.reason}</p>
        </div>
      )}
      {restore && (
        <div role="status" aria-label="Restore waiting for confirmation" className="space-y-3 rounded-lg border border-amber-200 bg-amber-50 p-4 text-amber-950">
          <p className="font-medium">Provider support asks to restore access to your key and start the stopped VMs again (until {when(restore.expiresAt)}).</p>
          <p>Reason: {restore.reason}</p>
          <p className="text-sm">Restore needs a second person: confirm it here if your key may be used again, or a second person at the provider approves it.</p>
          {canConfirmRestore ? <ConfirmRestoreButton restoreRequestId={restore.id} /> : <p className="text-sm font-medium">An admin of your organization (Customer.Admin) can confirm it.</p>}
        </div>
      )}
      {revocation && <JobEngineAlert notice={jobEngineNotice(engine, "customer", ["APPROVED", "EXECUTING", "RESTORING"].includes(revocation.status))} />}
      <div className="space-y-2">
        <p className="text-slate-700">Created a new version of your key? Move your disk encryption set to it now instead of waiting for automatic rotation.</p>
        <NewestKeyVersionButton />
      </div>
      {notifications.length > 0 && (
        <div>
          <h3 className="font-semibold">Messages from your provider</h3>
          <ul className="mt-2 space-y-2 text-sm">
            {notifications.map((n) => (
              <li key={n.id} className="rounded-lg border border-slate-200 px-3 py-2">
                <p className="font-medium">
                  {n.title} <span className="font-normal text-slate-500">— {when(n.createdAt)}</span>
                </p>
                <p className="text-slate-700">{n.message}</p>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
