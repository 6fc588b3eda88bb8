import type { Metadata } from "next";
import Link from "next/link";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { JobEngineAlert } from "@/components/jobs/job-engine-alert";
import { PageShell } from "@/components/ui/page-shell";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { AppError, toPublicError } from "@/lib/errors";
import { describeHealthCause } from "@/lib/health/causes";
import { jobEngineNotice } from "@/lib/jobs/engine-notice";
import { jobEngineStatus } from "@/lib/jobs/heartbeat";
import { liveKeyChecks } from "@/lib/support/key-check";
import { keyOverview, type DesOverview } from "@/lib/support/rotation";
import { activeRevocation, assessRevocationImpact, revocationsFor, type RevocationImpact } from "@/lib/support/revocation";
import { Badge, Card, Field, HEALTH_LABEL, HEALTH_TONE, SupportNav } from "../../_components/parts";
import { RotationControls } from "./_components/rotation-controls";
import { pendingRestore } from "@/lib/support/restore";
import { DecideRestore, DecideRevocation, RequestRevocationForm, RestoreForm, RetryRevocationButton } from "./_components/revocation-controls";
import { forbidden } from "next/navigation";
import { Time } from "@/components/ui/time";
import { StaffOffboardingCard } from "@/components/offboarding/staff-offboarding-card";
import { offboardingsForTenant } from "@/lib/offboarding/queries";
import { approveOffboarding, executeOffboarding, rejectOffboarding } from "./actions";

export const metadata: Metadata = { title: "Customer key — support" };
export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PHASE_TEXT = {
  idle: "No rotation requested from the portal yet.",
  queued: "Queued: the worker will validate the key again and switch.",
  running: "Switching the disk encryption set to the new version…",
  "re-encrypting": "Azure is re-wrapping the disks' keys with the new version (previous keys listed below).",
  completed: "Done.",
  failed: "Failed.",
} as const;

function RotationProgress({ des }: { des: DesOverview }) {
  const r = des.rotation;
  if (r.phase === "idle") return <p className="text-sm text-slate-600">{PHASE_TEXT.idle}</p>;
  return (
    <div role="status" aria-live="polite" className={`rounded-lg border p-3 text-sm ${r.phase === "failed" ? "border-rose-200 bg-rose-50 text-rose-900" : r.phase === "completed" ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-sky-200 bg-sky-50 text-sky-900"}`}>
      <p className="font-medium">Rotation: {PHASE_TEXT[r.phase]}</p>
      {r.toKeyUrl && (
        <p className="mt-1 break-all">
          {r.fromKeyUrl ? <>From {r.fromKeyUrl} </> : null}to {r.toKeyUrl}
        </p>
      )}
      {r.phase === "completed" && r.fromKeyUrl && (
        <p className="mt-1 font-medium">The old version is no longer in use: it is safe for the customer to disable it.</p>
      )}
      {r.phase === "failed" && (
        <p className="mt-1">
          {r.error?.message} {r.error?.code && <span className="font-mono text-xs">({r.error.code})</span>}
        </p>
      )}
    </div>
  );
}

function KeySection({ des, customerTenantId, busy }: { des: DesOverview; customerTenantId: string; busy: boolean }) {
  const live = des.live;
  return (
    <Card title={`Key of ${des.name} (${des.region})`}>
      {des.liveError && (
        <p role="alert" className="text-sm text-rose-800">
          {des.liveError.message} {des.liveError.azureCode && <span className="font-mono text-xs">({des.liveError.azureCode})</span>}
        </p>
      )}
      <dl>
        <Field label="Key in use">{live?.keyUrl ?? des.recordedKeyUrl}</Field>
        <Field label="Automatic rotation">{live ? (live.rotationToLatest ? "On (rotationToLatestKeyVersionEnabled)" : "Off") : "—"}</Field>
        <Field label="Last key rotation"><Time value={live?.lastKeyRotationAt} /></Field>
        <Field label="Previous keys still in use">{live ? (live.previousKeys.length ? live.previousKeys.join(", ") : "None") : "—"}</Field>
        <Field label="Provisioning state">{live?.provisioningState}</Field>
        {live?.autoKeyRotationError && (
          <Field label="Auto-rotation error">
            {live.autoKeyRotationError.code}: {live.autoKeyRotationError.message}
          </Field>
        )}
      </dl>
      <RotationProgress des={des} />
      <div>
        <h3 className="text-sm font-semibold text-slate-900">Versions of {des.keyName} in the customer&apos;s vault</h3>
        {des.versionsError ? (
          <p role="alert" className="mt-1 text-sm text-rose-800">
            {des.versionsError.message} {des.versionsError.fix}
          </p>
        ) : (
          <table className="mt-2 w-full text-left text-sm">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Version</th>
                <th className="py-1 pr-3 font-medium">Created</th>
                <th className="py-1 pr-3 font-medium">Expires</th>
                <th className="py-1 pr-3 font-medium">State</th>
              </tr>
            </thead>
            <tbody>
              {(des.versions ?? []).map((v) => (
                <tr key={v.version} className="border-t border-slate-100">
                  <td className="py-1 pr-3 font-mono text-xs">{v.version}</td>
                  <td className="py-1 pr-3"><Time value={v.createdOn} /></td>
                  <td className="py-1 pr-3">{v.expiresOn ? <Time value={v.expiresOn} /> : "Never"}</td>
                  <td className="space-x-1 py-1 pr-3">
                    {v.version === des.activeVersion && <Badge tone="info">In use</Badge>}
                    {live?.previousKeys.some((k) => k.endsWith(v.version)) && <Badge tone="warn">Still being replaced</Badge>}
                    {v.version === des.newestVersion?.version && <Badge tone="good">Newest</Badge>}
                    {!v.enabled && <Badge tone="bad">Disabled</Badge>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <RotationControls customerTenantId={customerTenantId} diskEncryptionSetId={des.id} onNewest={!des.newestVersion || des.newestVersion.version === des.activeVersion} listForbidden={Boolean(des.versionsListForbidden)} rotationToLatest={live?.rotationToLatest ?? false} busy={busy} />
    </Card>
  );
}

function Impact({ impact }: { impact: RevocationImpact }) {
  return (
    <div className="space-y-3 text-sm">
      <div>
        <h3 className="font-semibold text-slate-900">Resources that use the customer&apos;s key</h3>
        <ul className="mt-1 list-disc space-y-1 pl-5">
          {impact.diskEncryptionSets.map((d) => (
            <li key={d.id}>
              <span className="font-medium">{d.name}</span> ({d.region}): {d.disks.length === 0 ? "no disks" : d.disks.map((disk) => `${disk.name}${disk.vmId ? ` (attached to ${disk.vmId.split("/").pop()})` : " (not attached)"}`).join(", ")}
            </li>
          ))}
        </ul>
      </div>
      <div>
        <h3 className="font-semibold text-slate-900">Virtual machines that will be deallocated</h3>
        {impact.vms.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul className="mt-1 list-disc pl-5">
            {impact.vms.map((vm) => (
              <li key={vm.id}>
                {vm.name} — now {vm.powerState}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h3 className="font-semibold text-slate-900">What stops working</h3>
        <ul className="mt-1 list-disc pl-5">{impact.stops.map((s) => <li key={s}>{s}</li>)}</ul>
      </div>
      <div>
        <h3 className="font-semibold text-slate-900">How to restore</h3>
        <ul className="mt-1 list-disc pl-5">{impact.restore.map((s) => <li key={s}>{s}</li>)}</ul>
      </div>
    </div>
  );
}

const REVOCATION_LABEL: Record<string, string> = {
  PENDING_APPROVAL: "Waiting for approval",
  APPROVED: "Approved — being carried out",
  EXECUTING: "Being carried out",
  EXECUTED: "In force",
  REJECTED: "Rejected",
  EXPIRED: "Expired",
  CANCELLED: "Cancelled",
  FAILED: "Failed",
  RESTORING: "Restoring",
  RESTORED: "Restored",
  NEEDS_REAPPROVAL: "Impact changed — needs re-approval",
};

type PendingRestore = NonNullable<Awaited<ReturnType<typeof pendingRestore>>>;

/** Restore needs two people: the pending request waiting for its second person, or the form that asks for one. */
function RestoreStep({ request, customerTenantId, userOid, isApprover }: { request: PendingRestore | null | undefined; customerTenantId: string; userOid: string; isApprover: boolean }) {
  if (!request) return <RestoreForm customerTenantId={customerTenantId} />;
  const ownRequest = request.requestedByOid === userOid;
  return (
    <div role="status" className="space-y-2 rounded-lg border border-amber-200 bg-amber-50 p-3 text-amber-950">
      <p className="font-medium">
        Restore requested by {request.requestedByName} at <Time value={request.requestedAt} /> — waiting for a SupportApprover or the customer&apos;s admin to confirm before <Time value={request.expiresAt} />.
      </p>
      <p>Reason: {request.reason}</p>
      {isApprover && ownRequest && <p className="text-sm">You requested this restore, so a different approver (or the customer&apos;s admin) must confirm it.</p>}
      <DecideRestore restoreRequestId={request.id} canApprove={isApprover && !ownRequest} canCancel={isApprover || ownRequest} />
    </div>
  );
}

export default async function SupportTenantPage({ params }: { params: Promise<{ tenantId: string }> }) {
  const access = await checkAreaAccess("support");
  if (!access.ok) forbidden();
  const user = access.user;
  const { tenantId } = await params;
  const tenant = UUID.test(tenantId) ? await db().customerTenant.findUnique({ where: { id: tenantId } }) : null;
  if (!tenant) {
    return (
      <PageShell audience="Support" title="Customer not found" user={user} nav={<SupportNav />}>
        <div role="alert" className="max-w-2xl rounded-xl border border-amber-200 bg-amber-50 p-6 text-amber-950">
          <p>This customer tenant does not exist.</p>
          <Link href="/support" className="mt-4 inline-block font-medium text-brand-700 underline">
            Back to all customers
          </Link>
        </div>
      </PageShell>
    );
  }
  const [overview, checks, active, history, jobs, engine, restoreRequest] = await Promise.all([
    keyOverview(db(), tenant.id),
    liveKeyChecks(db(), tenant.id),
    activeRevocation(db(), tenant.id),
    revocationsFor(db(), tenant.id),
    db().job.findMany({ where: { customerTenantId: tenant.id, kind: { in: ["ROTATE_KEY", "REVOKE", "RESTORE"] } }, orderBy: { createdAt: "desc" }, take: 8 }),
    jobEngineStatus(db()),
    pendingRestore(db(), tenant.id),
  ]);
  const offboardings = await offboardingsForTenant(db(), tenant.id);
  let impact: RevocationImpact | undefined;
  let impactError: string | undefined;
  const awaitingDecision = active?.status === "PENDING_APPROVAL" || active?.status === "NEEDS_REAPPROVAL";
  // A request is approved for exactly the impact stored with it (what this page shows); without one, the live impact.
  if (awaitingDecision) impact = active.impact as unknown as RevocationImpact;
  else if (!active) {
    try {
      impact = await assessRevocationImpact(db(), tenant.id);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const e = toPublicError(error);
      impactError = `${e.message} ${e.fix ?? ""}`;
    }
  }
  const busy = jobs.some((j) => j.status === "QUEUED" || j.status === "RUNNING");
  const inProgress = busy || overview.some((d) => d.rotation.phase === "re-encrypting" || d.rotation.phase === "running" || d.rotation.phase === "queued");
  const customerCutOff = checks.find((c) => !c.ok && c.health.state === "REVOKED");
  const revokedByCustomer = tenant.healthCause === "REVOKED_BY_CUSTOMER" || Boolean(customerCutOff);
  const isApprover = user.roles.includes("SupportApprover");
  const engineNotice = jobEngineNotice(engine, "support", inProgress || active?.status === "APPROVED" || active?.status === "EXECUTING" || active?.status === "RESTORING");

  return (
    <PageShell audience="Support" title={tenant.displayName} user={user} nav={<SupportNav />}>
      <AutoRefresh active={inProgress} everyMs={2000} />
      <div className="space-y-6">
        <JobEngineAlert notice={engineNotice} />
        <Card title="Customer">
          <dl>
            <Field label="Entra tenant id">{tenant.tenantId}</Field>
            <Field label="Health">
              <Badge tone={HEALTH_TONE[tenant.healthState] ?? "neutral"}>{HEALTH_LABEL[tenant.healthState] ?? tenant.healthState}</Badge>{" "}
              {tenant.healthCause && <span className="text-slate-700">{describeHealthCause(tenant.healthCause).title}</span>}
            </Field>
            <Field label="Key check now">
              {checks.length === 0 && "No disk encryption set yet."}
              {checks.map((c) => (
                <span key={c.diskEncryptionSetId} className="block">
                  {c.name}:{" "}
                  {c.ok ? (
                    <Badge tone="good">Key usable (wrap/unwrap probe passed)</Badge>
                  ) : c.health.state === "REVOKED" ? (
                    <>
                      <Badge tone="bad">Revoked by customer</Badge> {c.health.detail}
                    </>
                  ) : (
                    <>
                      <Badge tone="bad">Key unreachable</Badge> {c.health.cause}
                      {c.health.detail ? ` (${c.health.detail})` : ""}
                    </>
                  )}
                </span>
              ))}
            </Field>
            <Field label="Audit trail">
              <Link className="font-medium text-brand-700 underline" href={`/support/audit?tenant=${tenant.id}`}>
                Events of this customer
              </Link>
            </Field>
          </dl>
        </Card>

        {overview.length === 0 && <Card title="Key">No disk encryption set has been provisioned for this customer yet.</Card>}
        {overview.map((des) => (
          <KeySection key={des.id} des={des} customerTenantId={tenant.id} busy={busy} />
        ))}

        <Card title="Offboarding" id="offboarding">
          <StaffOffboardingCard rows={offboardings} viewer={user} approve={approveOffboarding} reject={rejectOffboarding} execute={executeOffboarding} />
        </Card>

        <Card title="Revoke and restore" id="revocation">
          {awaitingDecision && (
            <div role="status" className="space-y-3 rounded-lg border border-amber-200 bg-amber-50 p-4 text-amber-950">
              <p className="font-medium">
                Revocation requested by {active.requestedByName} at <Time value={active.requestedAt} /> — {active.status === "NEEDS_REAPPROVAL" ? "re-approval" : "approval"} needed before <Time value={active.expiresAt} />.
              </p>
              {active.status === "NEEDS_REAPPROVAL" && <p role="alert">{active.lastErrorMessage}</p>}
              <p>Reason: {active.reason}</p>
              <DecideRevocation requestId={active.id} canApprove={isApprover && active.requestedByOid !== user.userOid} isRequester={active.requestedByOid === user.userOid} />
              {isApprover && active.requestedByOid === user.userOid && <p className="text-sm">You requested this revocation, so a different approver must decide it.</p>}
            </div>
          )}
          {(active?.status === "APPROVED" || active?.status === "EXECUTING") && (
            <p role="status" className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-rose-900">
              {engineNotice
                ? `Approved by ${active.decidedByName}: waiting for the job engine to stop the VMs that use the customer's key (it is not running, see above).`
                : <>Approved by {active.decidedByName}: stopping the VMs that use the customer&apos;s key…</>}
            </p>
          )}
          {active?.status === "EXECUTED" && (
            <div role="status" className="space-y-3 rounded-lg border border-rose-200 bg-rose-50 p-4 text-rose-950">
              <p className="font-medium">Revoked since <Time value={active.executedAt} /> (requested by {active.requestedByName}, approved by {active.decidedByName}).</p>
              <p>Stopped VMs: {active.stoppedVmIds.map((id) => id.split("/").pop()).join(", ") || "none"}</p>
              {active.lastErrorMessage && <p>Last restore attempt failed: {active.lastErrorMessage}</p>}
              <RestoreStep request={restoreRequest} customerTenantId={tenant.id} userOid={user.userOid} isApprover={isApprover} />
            </div>
          )}
          {active?.status === "RESTORING" && <p role="status">{engineNotice ? "Restore waiting for the job engine (it is not running, see above)." : "Restoring: probing the key, then starting the stopped VMs…"}</p>}
          {!active && history[0]?.status === "FAILED" && (
            <div role="status" className="space-y-3 rounded-lg border border-rose-200 bg-rose-50 p-4 text-rose-950">
              <p className="font-medium">
                The approved revocation of <Time value={history[0].requestedAt} /> failed{history[0].lastErrorCode ? ` (${history[0].lastErrorCode})` : ""}.
              </p>
              {history[0].lastErrorMessage && <p>{history[0].lastErrorMessage}</p>}
              <p>Stopped so far: {history[0].stoppedVmIds.map((id) => id.split("/").pop()).join(", ") || "none"}. Retrying runs it again under the same approval.</p>
              <RetryRevocationButton requestId={history[0].id} />
            </div>
          )}
          {!active && revokedByCustomer && (
            <div className="space-y-3 rounded-lg border border-rose-200 bg-rose-50 p-4 text-rose-950">
              <p className="font-medium">Revoked by customer: {customerCutOff && !customerCutOff.ok ? customerCutOff.health.detail : "the customer cut off the provider's access to their key."}</p>
              <p>Once the customer has re-enabled the key or the role, restore verifies access with a probe and marks the tenant Healthy.</p>
              <RestoreStep request={restoreRequest} customerTenantId={tenant.id} userOid={user.userOid} isApprover={isApprover} />
            </div>
          )}
          {(!active || awaitingDecision) && (
            <div className="space-y-4">
              <h3 className="font-semibold text-slate-900">{awaitingDecision ? (
                <>
                  Impact to approve (assessed <Time value={impact?.assessedAt} />; execution stops if it changes)
                </>
              ) : (
                "Impact of a revocation"
              )}</h3>
              {impact ? <Impact impact={impact} /> : <p role="alert" className="text-rose-800">{impactError}</p>}
              {!active && impact && <RequestRevocationForm customerTenantId={tenant.id} />}
              {!active && <p className="text-sm text-slate-600">A second person with the SupportApprover role must approve within 60 minutes; the customer&apos;s admins are notified.</p>}
            </div>
          )}
          {history.length > 0 && (
            <div>
              <h3 className="font-semibold text-slate-900">History</h3>
              <ul className="mt-1 space-y-1 text-sm">
                {history.map((r) => (
                  <li key={r.id}>
                    <Time value={r.requestedAt} /> — <span className="font-medium">{REVOCATION_LABEL[r.status]}</span>, requested by {r.requestedByName}
                    {r.decidedByName ? `, decided by ${r.decidedByName}` : ""}: {r.reason}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </Card>

        {jobs.length > 0 && (
          <Card title="Recent key operations">
            <ul className="space-y-1 text-sm">
              {jobs.map((j) => (
                <li key={j.id}>
                  <Time value={j.createdAt} /> — {j.kind} <Badge tone={j.status === "SUCCEEDED" ? "good" : j.status === "FAILED" ? "bad" : "info"}>{j.status}</Badge>
                  {j.lastErrorCode && <span className="ml-1 font-mono text-xs">{j.lastErrorCode}</span>}
                  {j.status === "FAILED" && j.lastErrorMessage && <span className="block pl-4 text-slate-700">{j.lastErrorMessage}</span>}
                </li>
              ))}
            </ul>
          </Card>
        )}
      </div>
    </PageShell>
  );
}
