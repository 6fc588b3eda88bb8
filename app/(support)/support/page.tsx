import type { Metadata } from "next";
import { AccessProblem } from "@/components/auth/access-problem";
import { PageShell } from "@/components/ui/page-shell";
import { PlanList } from "@/components/ui/plan-list";
import { checkAreaAccess } from "@/lib/auth/guards";

export const metadata: Metadata = { title: "Support console" };

const ACTIONS = [
  { title: "Find the customer", text: "Open one customer tenant and see its key versions and the version its disks use." },
  { title: "Rotate", text: "Move the disk encryption set to the newest key version, or to a new key the customer supplies." },
  { title: "Revoke and restore", text: "Cut off access in an emergency with a second person's approval, then restore it." },
  { title: "Audit", text: "Every action is recorded in a hash-chained audit log that can be filtered and exported." },
];

export default async function SupportConsolePage() {
  const access = await checkAreaAccess("support");
  if (!access.ok) return <AccessProblem area="support" access={access} />;
  return (
    <PageShell audience="Support" title="Support console" user={access.user}>
      <p className="mb-6 max-w-3xl text-slate-600">Rotate or revoke a customer&apos;s key, one customer at a time, with an audit trail of every step.</p>
      <PlanList items={ACTIONS} />
    </PageShell>
  );
}
