// An offboarding as staff see it (operator and support tenant pages): state, who asked, approved and started it,
// the disks it covers, the provider's policy, and the step the viewer may take. Data and forwarders come from the page.
import type { ActionResult } from "@/lib/auth/actions";
import { Time } from "@/components/ui/time";
import type { offboardingsForTenant } from "@/lib/offboarding/queries";
import { describePolicy, isDiskPolicy, STATE_LABEL } from "@/lib/offboarding/state";
import { StaffOffboardingControls } from "./staff-offboarding-controls";

type Row = Awaited<ReturnType<typeof offboardingsForTenant>>[number];
type Forward<T> = (input: unknown) => Promise<ActionResult<T>>;

export function StaffOffboardingCard({
  rows,
  viewer,
  approve,
  reject,
  execute,
}: {
  rows: Row[];
  viewer: { userOid: string; roles: string[] };
  approve?: Forward<unknown>;
  reject?: Forward<unknown>;
  execute?: Forward<{ alreadyStarted: boolean }>;
}) {
  const row = rows[0];
  if (!row) return <p className="text-sm text-slate-600">The customer has not asked to disconnect.</p>;
  const disks = (row.impact.diskEncryptionSets ?? []).flatMap((d) => d.disks);
  const policy = isDiskPolicy(row.diskPolicy) ? row.diskPolicy : "platform-key";
  const summary = `${disks.length} disk(s) use the customer's key: ${disks.map((d) => `${d.name}${d.vmId ? ` (VM ${d.vmId.split("/").pop()})` : ""}`).join(", ") || "none"}. Policy ${policy}: ${describePolicy(policy)}`;
  const isApprover = viewer.roles.includes("SupportApprover");
  const approvedByViewer = row.approvedByOid === viewer.userOid;
  const startable = (row.state === "APPROVED" && !row.jobId) || row.state === "FAILED";
  return (
    <div className="space-y-3 text-sm" data-testid="staff-offboarding">
      <p>
        <span className="rounded-full bg-amber-100 px-3 py-1 font-medium text-amber-950" data-testid="staff-offboarding-state">
          {row.state}
        </span>{" "}
        {STATE_LABEL[row.state]}
      </p>
      <dl className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-x-3 gap-y-1 break-words">
        <dt className="text-slate-500">Requested</dt>
        <dd>
          {row.requestedByName} (customer) <Time value={row.requestedAt} />
          {row.reason ? ` — ${row.reason}` : ""}
        </dd>
        <dt className="text-slate-500">Approved</dt>
        <dd>{row.approvedByName ? <>{row.approvedByName} <Time value={row.approvedAt} /></> : "not yet (a SupportApprover)"}</dd>
        <dt className="text-slate-500">Started</dt>
        <dd>{row.executedByName ? <>{row.executedByName} <Time value={row.executedAt} /></> : "not yet (a second person, not the approver)"}</dd>
        <dt className="text-slate-500">Disks</dt>
        <dd>{summary}</dd>
        <dt className="text-slate-500">Done so far</dt>
        <dd>
          {row.disksDone.length} disk(s){row.stoppedVmIds.length > 0 ? `; VMs stopped and started again: ${row.stoppedVmIds.map((id) => id.split("/").pop()).join(", ")}` : ""}
          {row.desDeletedAt ? "; DES deleted" : ""}
        </dd>
        {row.lastErrorCode && (
          <>
            <dt className="text-slate-500">Last error</dt>
            <dd role="alert" className="text-red-800">
              <span className="font-mono text-xs">{row.lastErrorCode}</span> {row.lastErrorMessage}
            </dd>
          </>
        )}
      </dl>
      {isApprover && row.state === "REQUESTED" && approve && <StaffOffboardingControls offboardingId={row.id} diskSummary={summary} approve={approve} reject={reject} />}
      {startable && execute && !approvedByViewer && (
        <StaffOffboardingControls offboardingId={row.id} diskSummary={summary} execute={execute} executeLabel={row.state === "FAILED" ? "Start it again" : "Start the provider side"} />
      )}
      {startable && approvedByViewer && <p>You approved it, so a second person starts it.</p>}
    </div>
  );
}
