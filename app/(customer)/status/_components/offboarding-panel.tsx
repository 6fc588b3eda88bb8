// The customer's disconnect: the request (with exactly what it will do), its progress through the provider's two
// people and job, and the customer's own clean-up (done for them, or by the exact steps shown here).
import type { ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { CopyButton } from "@/components/ui/copy-button";
import { Time } from "@/components/ui/time";
import type { CustomerOffboardingView } from "@/lib/offboarding/cleanup";
import { describePolicy, STATE_LABEL } from "@/lib/offboarding/state";
import type { OffboardingState } from "@/lib/db/generated/prisma/enums";
import { CancelOffboardingButton, CleanupButtons, DisconnectButton, type DiskLine } from "./offboarding-controls";

const STEPS: { state: OffboardingState; label: string }[] = [
  { state: "REQUESTED", label: "You asked to disconnect" },
  { state: "APPROVED", label: "The provider approved (first person)" },
  { state: "DISKS_DETACHING", label: "Disks moved off your key (second person started it)" },
  { state: "DES_DELETING", label: "Disk encryption set deleted" },
  { state: "PROVIDER_DONE", label: "Provider side done" },
  { state: "COMPLETED", label: "Role assignment and enterprise app removed" },
];
const ORDER: OffboardingState[] = ["REQUESTED", "APPROVED", "DISKS_DETACHING", "DES_DELETING", "PROVIDER_DONE", "CUSTOMER_CLEANUP", "COMPLETED"];

function Snippet({ label, text }: { label: string; text: string }) {
  return (
    <div>
      <div className="flex items-center justify-between">
        <h4 className="text-sm font-medium">{label}</h4>
        <CopyButton text={text} label={`Copy ${label}`} />
      </div>
      <pre tabIndex={0} aria-label={label} className="mt-1 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">{text}</pre>
    </div>
  );
}

function Done({ at, children }: { at: Date | null; children: ReactNode }) {
  return (
    <li>
      {children}: {at ? <span className="font-medium text-emerald-800">removed <Time value={at} /></span> : <span className="font-medium text-amber-900">still there</span>}
    </li>
  );
}

export function OffboardingPanel({ view, disks }: { view: CustomerOffboardingView; disks: { desName: string; disks: { name: string; vmId?: string }[] }[] | null }) {
  const policy = view.policy;
  const row = view.offboarding;
  const open = row && row.state !== "CANCELLED";
  const lines: DiskLine[] = (disks ?? []).flatMap((d) => d.disks.map((disk) => ({ name: disk.name, vmName: disk.vmId?.split("/").pop() ?? null })));
  return (
    <section id="disconnect" aria-labelledby="disconnect-heading" className="scroll-mt-6 rounded-xl border border-slate-200 bg-white p-6">
      <AutoRefresh active={Boolean(row && ((row.state === "APPROVED" && row.jobId) || row.state === "DISKS_DETACHING" || row.state === "DES_DELETING"))} />
      <h2 id="disconnect-heading" className="text-lg font-semibold">
        Disconnect from the provider
      </h2>
      {!open ? (
        <div className="mt-2 space-y-3 text-sm text-slate-700">
          {row?.state === "CANCELLED" && (
            <p>
              Your last disconnect request was cancelled <Time value={row.cancelledAt} />
              {row.lastErrorMessage ? ` (the provider's note: ${row.lastErrorMessage})` : ""}.
            </p>
          )}
          {view.hasDiskEncryptionSet ? (
            <>
              <p>
                You can end the provider&apos;s use of your key at any time. Disconnecting asks the provider to move its disks off your key and delete its disk
                encryption set; two people at the provider approve and start it. {describePolicy(policy)}
              </p>
              <DisconnectButton disks={lines} policyText={describePolicy(policy)} disksUnknown={disks === null} />
            </>
          ) : (
            <p>There is no disk encryption set of the provider to disconnect.</p>
          )}
        </div>
      ) : (
        <div className="mt-3 space-y-4">
          <p className="flex flex-wrap items-center gap-3">
            <span data-testid="offboarding-state" className="rounded-full bg-brand-50 px-3 py-1 text-sm font-medium text-brand-900">
              {STATE_LABEL[row.state]}
            </span>
            <span className="text-sm text-slate-600">
              Requested by {row.requestedByName} <Time value={row.requestedAt} />
            </span>
          </p>
          <ol aria-label="Disconnect progress" className="space-y-1 text-sm">
            {STEPS.map((step) => {
              const reached = row.state !== "FAILED" && ORDER.indexOf(row.state) >= ORDER.indexOf(step.state);
              return (
                <li key={step.state} className={reached ? "text-emerald-800" : "text-slate-500"}>
                  <span aria-hidden="true">{reached ? "✓ " : "○ "}</span>
                  {step.label}
                  <span className="sr-only">{reached ? " (done)" : " (not yet)"}</span>
                  {step.state === "APPROVED" && row.approvedByName && reached ? ` — ${row.approvedByName}` : ""}
                  {step.state === "DISKS_DETACHING" && row.executedByName && reached ? ` — ${row.executedByName}, ${row.disksDone.length} disk(s)` : ""}
                </li>
              );
            })}
          </ol>
          {row.state === "FAILED" && (
            <Alert tone="warning" title="The provider's side stopped on an error">
              Nothing of yours needs to change: the provider sees the error and starts it again once it is fixed. Do not remove the role assignment yet.
            </Alert>
          )}
          {(row.state === "REQUESTED" || (row.state === "APPROVED" && !row.jobId)) && <CancelOffboardingButton offboardingId={row.id} />}
          {["APPROVED", "DISKS_DETACHING", "DES_DELETING"].includes(row.state) && (
            <p className="text-sm text-slate-600">Keep the role assignment and the enterprise app until the provider side is done: its disks still need your key until then.</p>
          )}
          {(row.state === "PROVIDER_DONE" || row.state === "CUSTOMER_CLEANUP") && view.plan && (
            <div className="space-y-4 rounded-lg border border-slate-200 p-4">
              <h3 className="font-medium">Your clean-up</h3>
              <ul className="list-disc space-y-1 pl-5 text-sm">
                <Done at={row.roleAssignmentRemovedAt}>The provider app&apos;s access to your key</Done>
                <Done at={row.servicePrincipalRemovedAt}>The provider&apos;s enterprise app</Done>
              </ul>
              <CleanupButtons offboardingId={row.id} />
              <div className="space-y-3">
                <p className="text-sm text-slate-700">
                  Or do it yourself (deleting an enterprise app needs Application Administrator, Cloud Application Administrator or Global Administrator):
                </p>
                <Snippet label="Azure CLI" text={view.plan.steps.cli} />
                <p className="text-xs text-slate-500">{view.plan.steps.cliNote}</p>
                <Snippet label="PowerShell" text={view.plan.steps.powershell} />
                <ul className="space-y-1 text-sm">
                  {view.plan.steps.portal.map((link) => (
                    <li key={link.href}>
                      <a className="text-brand-700 underline" href={link.href} target="_blank" rel="noreferrer">
                        {link.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          )}
          {row.state === "COMPLETED" && (
            <Alert tone="success" title="Disconnected">
              Completed <Time value={row.completedAt} />. The provider no longer uses your key, and its access and enterprise app are gone from your tenant. Your key
              and vault are untouched.
            </Alert>
          )}
        </div>
      )}
    </section>
  );
}
