import type { Metadata } from "next";
import Link from "next/link";
import { PageShell } from "@/components/ui/page-shell";
import { checkAreaAccess } from "@/lib/auth/guards";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { STEP_LABEL, type OnboardingStepName, type TenantStatus } from "@/lib/dashboard/filters";
import { getTenantDetail, type TenantDetail } from "@/lib/dashboard/tenant-detail";
import { describeHealthCause } from "@/lib/health/causes";
import { StatusBadge } from "../_components/status-badge";
import { OperatorActions } from "./_components/operator-actions";
import { Timeline } from "./_components/timeline";
import { forbidden } from "next/navigation";
import { Time } from "@/components/ui/time";
import { StaffOffboardingCard } from "@/components/offboarding/staff-offboarding-card";
import { offboardingsForTenant } from "@/lib/offboarding/queries";
import { executeOffboarding } from "./actions";

export const metadata: Metadata = { title: "Customer tenant" };

function statusOf(detail: TenantDetail): TenantStatus {
  const des = detail.diskEncryptionSets;
  if (des.some((d) => d.provisioningState === "FAILED")) return "FAILED";
  if (des.some((d) => d.provisioningState === "QUEUED" || d.provisioningState === "CREATING") || (detail.tenant.onboarding?.step === "SUBMITTED" && des.length === 0)) return "PROVISIONING";
  return detail.tenant.healthState;
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="py-1.5 sm:grid sm:grid-cols-3 sm:gap-3">
      <dt className="text-sm font-medium text-slate-500">{label}</dt>
      <dd className="mt-0.5 break-all text-sm text-slate-900 sm:col-span-2 sm:mt-0">{children ?? "—"}</dd>
    </div>
  );
}

function Card({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section aria-label={title} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <h2 className="text-base font-semibold text-slate-900">{title}</h2>
      <div className="mt-3">{children}</div>
    </section>
  );
}

/** The cause in words: what happened, whose move it is, and what the customer can do. */
function HealthCause({ code }: { code: string }) {
  const cause = describeHealthCause(code);
  return (
    <div className="mt-2 rounded-md border border-amber-200 bg-amber-50 p-3 text-amber-950">
      <p className="font-medium">
        {cause.title} <span className="font-mono text-xs">({code})</span>
      </p>
      <p className="mt-1">{cause.explanation}</p>
      <p className="mt-1">
        <span className="font-medium">{cause.owner === "customer" ? "Customer's fix: " : cause.owner === "provider" ? "Provider's move: " : "What to do: "}</span>
        {cause.customerFix}
      </p>
    </div>
  );
}

export default async function TenantDetailPage({ params }: { params: Promise<{ tenantId: string }> }) {
  const access = await checkAreaAccess("operator");
  if (!access.ok) forbidden();
  const { tenantId } = await params;
  let detail: TenantDetail;
  try {
    detail = await getTenantDetail(db(), tenantId);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "NOT_FOUND") throw error;
    return (
      <PageShell audience="Operator" title="Tenant not found" user={access.user}>
        <div role="alert" className="max-w-2xl rounded-xl border border-amber-200 bg-amber-50 p-6 text-amber-950">
          <p>{error.safeMessage}</p>
          <p className="mt-2">{error.fix}</p>
          <Link href="/tenants" className="mt-4 inline-block font-medium text-brand-700 underline">
            Back to all tenants
          </Link>
        </div>
      </PageShell>
    );
  }
  const { tenant } = detail;
  const offboardings = await offboardingsForTenant(db(), tenant.id);
  const onboarding = tenant.onboarding;
  return (
    <PageShell audience="Operator" title={tenant.displayName} user={access.user}>
      <nav aria-label="Breadcrumb" className="-mt-4 mb-6 text-sm">
        <Link href="/tenants" className="font-medium text-brand-700 hover:underline">
          ← All tenants
        </Link>
      </nav>
      <div className="mb-6 flex flex-wrap items-center gap-3">
        <StatusBadge status={statusOf(detail)} />
        <span className="font-mono text-sm text-slate-600">Tenant id {tenant.tenantId}</span>
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <div className="grid gap-4 lg:col-span-2">
          <Card title="Tenant">
            <dl className="divide-y divide-slate-100">
              <Field label="Primary domain">{tenant.primaryDomain}</Field>
              <Field label="Consent">{tenant.consentStatus}{tenant.consentGrantedAt && (
                  <>
                    {" "}(<Time value={tenant.consentGrantedAt} />)
                  </>
                )}</Field>
              <Field label="Service principal object id">{tenant.servicePrincipalObjectId && <code>{tenant.servicePrincipalObjectId}</code>}</Field>
              <Field label="Onboarding step">{onboarding ? STEP_LABEL[onboarding.step as OnboardingStepName] : "Not started"}</Field>
              <Field label="Region chosen">{onboarding?.region}</Field>
              <Field label="Key vault">{onboarding?.vaultResourceId && <code className="text-xs">{onboarding.vaultResourceId}</code>}</Field>
              <Field label="Vault permission model">{onboarding?.permissionModel}</Field>
              <Field label="Submitted">{onboarding?.submittedAt ? <Time value={onboarding.submittedAt} /> : null}</Field>
              <Field label="Health">
                {tenant.healthState}
                {tenant.healthCause && <HealthCause code={tenant.healthCause} />}
              </Field>
              <Field label="Last check / change">
                <Time value={tenant.lastHealthCheckAt} /> / <Time value={tenant.lastHealthChangeAt} />
              </Field>
            </dl>
          </Card>
          <Card title="Disk encryption sets">
            {detail.diskEncryptionSets.length === 0 ? (
              <p className="text-sm text-slate-600">No disk encryption set yet: the provider creates one when the customer submits onboarding.</p>
            ) : (
              <ul className="space-y-4">
                {detail.diskEncryptionSets.map((des) => (
                  <li key={des.id} className="rounded-lg border border-slate-200 p-3">
                    <dl className="divide-y divide-slate-100">
                      <Field label="Name / region">
                        {des.name} · {des.region}
                      </Field>
                      <Field label="Provisioning state">{des.provisioningState}</Field>
                      <Field label="Health">{des.healthState}</Field>
                      <Field label="ARM id">
                        {des.armId ? (
                          <>
                            <code className="text-xs">{des.armId}</code>
                            {des.portalUrl && (
                              <a href={des.portalUrl} target="_blank" rel="noreferrer noopener" className="ml-2 whitespace-nowrap font-medium text-brand-700 hover:underline">
                                Open in Azure portal ↗
                              </a>
                            )}
                          </>
                        ) : (
                          "Not created in Azure yet"
                        )}
                      </Field>
                      <Field label="Key in use">
                        <code className="text-xs">{des.keyReference.keyUrl}</code>
                      </Field>
                      <Field label="Follows new key versions">{des.rotationToLatest ? "Yes" : "No"}</Field>
                      <Field label="Last key rotation">{des.lastKeyRotationAt ? <Time value={des.lastKeyRotationAt} /> : null}</Field>
                      {des.lastErrorCode && (
                        <Field label="Last error">
                          <span className="font-mono text-xs text-red-800">{des.lastErrorCode}</span> {des.lastErrorMessage}
                        </Field>
                      )}
                    </dl>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title="Keys">
            {tenant.keyReferences.length === 0 ? (
              <p className="text-sm text-slate-600">No key connected yet.</p>
            ) : (
              <ul className="divide-y divide-slate-100 text-sm">
                {tenant.keyReferences.map((key) => (
                  <li key={key.id} className="py-2">
                    <code className="break-all text-xs">{key.keyUrl}</code>
                    <div className="text-xs text-slate-500">
                      {key.keyType} {key.keySize ?? ""} · {key.permissionModel} · {key.region} · added <Time value={key.createdAt} />
                      {key.expiresAt && (
                        <>
                          {" "}· expires <Time value={key.expiresAt} />
                        </>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
        <div className="grid content-start gap-4">
          <Card title="Offboarding">
            <StaffOffboardingCard rows={offboardings} viewer={access.user} execute={executeOffboarding} />
          </Card>
          <Card title="Operator actions">
            <OperatorActions customerTenantId={tenant.id} canRetryProvisioning={detail.canRetryProvisioning} canRunHealthCheck={detail.canRunHealthCheck} />
          </Card>
        </div>
      </div>
      <section aria-labelledby="timeline-heading" className="mt-10">
        <h2 id="timeline-heading" className="text-xl font-semibold text-slate-900">
          Timeline
        </h2>
        {detail.truncated && <p className="mt-1 text-sm text-slate-600">Showing the most recent entries of each kind.</p>}
        <Timeline entries={detail.timeline} />
      </section>
    </PageShell>
  );
}
