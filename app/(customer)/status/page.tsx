import type { Metadata } from "next";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { PageShell } from "@/components/ui/page-shell";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { JobEngineAlert } from "@/components/jobs/job-engine-alert";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { describeHealthCause } from "@/lib/health/causes";
import { jobEngineNotice } from "@/lib/jobs/engine-notice";
import { jobEngineStatus } from "@/lib/jobs/heartbeat";
import { customerStatus } from "@/lib/onboarding/status";
import { keyHome } from "@/lib/onboarding/status-home";
import { isInProgress, verificationView } from "@/lib/onboarding/verification";
import { VerificationStatus } from "./_components/verification-status";
import { KeySupportPanel } from "./_components/key-support-panel";
import { SelfGrantedRoles } from "./_components/self-granted-roles";
import { DisksUsingKey } from "./_components/disks-using-key";
import { OffboardingPanel } from "./_components/offboarding-panel";
import { customerOffboardingView } from "@/lib/offboarding/cleanup";
import { disksUsingKey } from "@/lib/offboarding/service";
import { NotificationContact } from "./_components/notification-contact";
import { forbidden } from "next/navigation";

export const metadata: Metadata = { title: "Status" };

const STATE_LABEL: Record<string, string> = { QUEUED: "Queued", CREATING: "Creating", SUCCEEDED: "Succeeded", UPDATING: "Updating", FAILED: "Failed", DELETING: "Deleting", DELETED: "Deleted" };
const HEALTH_LABEL: Record<string, string> = { UNKNOWN: "Not checked yet", HEALTHY: "Healthy", DEGRADED: "Degraded", KEY_UNREACHABLE: "Key unreachable", REVOKED: "Revoked" };
const HEALTH_TONE: Record<string, string> = {
  UNKNOWN: "bg-slate-100 text-slate-700",
  HEALTHY: "bg-emerald-100 text-emerald-800",
  DEGRADED: "bg-amber-100 text-amber-900",
  KEY_UNREACHABLE: "bg-red-100 text-red-800",
  REVOKED: "bg-slate-800 text-white",
};
const when = (d: Date | null | undefined) => (d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—");

/** Bookmarkable: this tenant's disk encryption set, key in use, health and history. */
export default async function StatusPage() {
  const access = await checkAreaAccess("customer");
  if (!access.ok) forbidden();
  const status = await customerStatus(db(), access.user.tenantId);
  const sets = status?.tenant.diskEncryptionSets ?? [];
  const inProgress = sets.some((des) => ["QUEUED", "CREATING", "UPDATING", "DELETING"].includes(des.provisioningState));
  const health = status?.tenant.healthCause ? describeHealthCause(status.tenant.healthCause) : null;
  // Before submission: the key verification job, which goes on whether or not the wizard is open.
  const verification = sets.length === 0 ? await verificationView(db(), access.user.tenantId) : null;
  const verifying = verification !== null && isInProgress(verification);
  const engine = await jobEngineStatus(db());
  const engineNotice = jobEngineNotice(engine, "customer", inProgress || verifying);
  const [offboarding, disks] = sets.length > 0 ? await Promise.all([customerOffboardingView(db(), access.user.tenantId), disksUsingKey(db(), access.user.tenantId)]) : [null, null];

  return (
    <PageShell audience="Customer" title="Your disk encryption set" user={access.user}>
      <AutoRefresh active={inProgress || verifying} />
      {!status || sets.length === 0 ? (
        <div className="max-w-2xl space-y-6">
          <JobEngineAlert notice={engineNotice} />
          {verification && verification.state !== "none" && <VerificationStatus view={verification} />}
          <div className="rounded-xl border border-slate-200 bg-white p-6">
            <p className="font-medium">Nothing has been submitted yet.</p>
            <p className="mt-1 text-slate-600">Finish onboarding to connect your key; this page then shows your disk encryption set as it comes up.</p>
            <Link href="/onboarding" className="mt-4 inline-block font-medium text-brand-700 underline">
              Continue onboarding
            </Link>
          </div>
        </div>
      ) : (
        <div className="space-y-8">
          <JobEngineAlert notice={engineNotice} />
          {sets.map((des) => {
            const home = keyHome(status.tenant, des.keyReference);
            return (
            <section key={des.id} aria-label={`Disk encryption set in ${des.region}`} className="rounded-xl border border-slate-200 bg-white p-6">
              <div className="flex flex-wrap items-center gap-3">
                <h2 className="text-lg font-semibold">{des.name}</h2>
                <span data-testid="des-state" className="rounded-full bg-brand-50 px-3 py-1 text-sm font-medium text-brand-900">
                  {STATE_LABEL[des.provisioningState] ?? des.provisioningState}
                </span>
                {inProgress && !engineNotice && (
                  <span role="status" className="text-sm text-slate-500">
                    Updating live…
                  </span>
                )}
              </div>
              <dl className="mt-4 grid gap-x-8 gap-y-3 sm:grid-cols-2">
                <div>
                  <dt className="text-sm text-slate-500">Region</dt>
                  <dd>{des.region}</dd>
                </div>
                <div>
                  <dt className="text-sm text-slate-500">Follows new key versions</dt>
                  <dd>{des.rotationToLatest ? "Yes, automatically" : "No, only on request"}</dd>
                </div>
                <div className="sm:col-span-2">
                  <dt className="text-sm text-slate-500">Key in use</dt>
                  <dd className="break-all font-mono text-sm">{des.keyReference.keyUrl}</dd>
                </div>
                <div>
                  <dt className="text-sm text-slate-500">Last key rotation</dt>
                  <dd>{when(des.lastKeyRotationAt)}</dd>
                </div>
                <div>
                  <dt className="text-sm text-slate-500">Azure resource</dt>
                  <dd className="break-all font-mono text-xs">{des.armId ?? "Not created yet"}</dd>
                </div>
              </dl>
              {des.provisioningState === "FAILED" && (
                <div role="alert" className="mt-4 rounded-lg border border-red-200 bg-red-50 p-4 text-red-800">
                  <p className="font-medium">Creating the disk encryption set failed{des.lastErrorCode ? ` (${des.lastErrorCode})` : ""}.</p>
                  {des.lastErrorMessage && <p className="mt-1">{des.lastErrorMessage}</p>}
                </div>
              )}
              <div data-testid="key-expiry" className="mt-4">
                {home.reminderDays !== null ? (
                  <Alert tone="error" title={`Reminder: your key expires within ${home.reminderDays} days`}>
                    {home.expiry.text} {home.expiry.fix}
                  </Alert>
                ) : home.expiry.tone === "ok" ? (
                  <p className="text-sm text-slate-600">{home.expiry.text}</p>
                ) : (
                  <Alert tone={home.expiry.tone === "bad" ? "error" : "warning"} title={home.expiry.text}>
                    {home.expiry.fix}
                  </Alert>
                )}
              </div>
              <div className="mt-6 grid gap-6 sm:grid-cols-2">
                <nav aria-label="Your resources in the Azure portal">
                  <h3 className="font-medium">In the Azure portal</h3>
                  <ul className="mt-2 space-y-1 text-sm">
                    <li><a className="text-brand-700 underline" href={home.links.vault} target="_blank" rel="noreferrer">Key vault</a></li>
                    <li><a className="text-brand-700 underline" href={home.links.key} target="_blank" rel="noreferrer">Key</a></li>
                    <li><a className="text-brand-700 underline" href={home.links.keyAccessControl} target="_blank" rel="noreferrer">Role assignment on the key (Access control)</a></li>
                    {home.links.enterpriseApp && (
                      <li><a className="text-brand-700 underline" href={home.links.enterpriseApp} target="_blank" rel="noreferrer">Enterprise app of the provider</a></li>
                    )}
                    <li><Link className="text-brand-700 underline" href="/audit">Your audit log</Link></li>
                  </ul>
                </nav>
                <div>
                  <h3 className="font-medium">What happens next</h3>
                  <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-700">
                    <DisksUsingKey desName={des.name} region={des.region} disks={disks} />
                    <li>
                      {/* "within one hour": learn.microsoft.com/java/api/com.azure.resourcemanager.compute.models.diskencryptionset.updatestages.withautomatickeyrotation */}
                      {des.rotationToLatest
                        ? "Rotation: when a new version of the key is created (by hand or by the key's rotation policy), Azure moves the disk encryption set and its disks to it, per Microsoft within one hour. Keep older versions enabled until then."
                        : "Rotation: this disk encryption set stays on the version above; a new version is used only when the provider switches to it on request."}
                    </li>
                    <li>Removing the provider&apos;s role assignment on the key (or disabling the key) cuts off access: the disks that use it become inaccessible and the virtual machines using them stop. To disconnect for good, use{" "}
                      <a className="text-brand-700 underline" href="#disconnect">
                        Disconnect
                      </a>{" "}
                      below: the provider moves its disks off the key first, then the portal removes the role assignment and the enterprise app.
                    </li>
                  </ul>
                </div>
              </div>
            </section>
            );
          })}

          <KeySupportPanel entraTenantId={access.user.tenantId} engine={engine} />
          <SelfGrantedRoles entraTenantId={access.user.tenantId} />
          <NotificationContact entraTenantId={access.user.tenantId} />

          {offboarding && <OffboardingPanel view={offboarding} disks={disks} />}

          <section aria-labelledby="health-heading" className="rounded-xl border border-slate-200 bg-white p-6">
            <h2 id="health-heading" className="text-lg font-semibold">
              Key health
            </h2>
            <p className="mt-2 flex flex-wrap items-center gap-3">
              <span data-testid="health-state" className={`rounded-full px-3 py-1 text-sm font-medium ${HEALTH_TONE[status.tenant.healthState]}`}>
                {HEALTH_LABEL[status.tenant.healthState]}
              </span>
              <span className="text-sm text-slate-500">Last checked {when(status.tenant.lastHealthCheckAt)}</span>
            </p>
            {health && status.tenant.healthState !== "HEALTHY" && (
              <div className="mt-3 rounded-lg bg-slate-50 p-4">
                <p className="font-medium">{health.title}</p>
                <p className="mt-1 text-slate-700">{health.customerFix}</p>
              </div>
            )}
          </section>

          <section aria-labelledby="history-heading">
            <h2 id="history-heading" className="text-lg font-semibold">
              History
            </h2>
            <ol className="mt-3 space-y-2">
              {status.timeline.map((entry, index) => (
                <li key={`${entry.kind}-${index}`} className="flex gap-4 rounded-lg border border-slate-200 bg-white px-4 py-2 text-sm">
                  <time className="w-40 shrink-0 text-slate-500" dateTime={entry.at.toISOString()}>
                    {when(entry.at)}
                  </time>
                  <div>
                    <p className={entry.tone === "bad" ? "font-medium text-red-800" : entry.tone === "good" ? "font-medium text-emerald-800" : "font-medium"}>{entry.title}</p>
                    {entry.detail && <p className="text-slate-600">{entry.detail}</p>}
                  </div>
                </li>
              ))}
            </ol>
          </section>
        </div>
      )}
    </PageShell>
  );
}
