import { STATUS_LABEL, type TenantStatus } from "@/lib/dashboard/filters";

export const STATUS_STYLE: Record<TenantStatus, string> = {
  HEALTHY: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  DEGRADED: "bg-amber-50 text-amber-900 ring-amber-200",
  KEY_UNREACHABLE: "bg-orange-50 text-orange-900 ring-orange-200",
  REVOKED: "bg-rose-50 text-rose-900 ring-rose-200",
  PROVISIONING: "bg-sky-50 text-sky-900 ring-sky-200",
  FAILED: "bg-red-100 text-red-900 ring-red-300",
  UNKNOWN: "bg-slate-100 text-slate-700 ring-slate-200",
};

/** Status as text and colour (never colour alone). */
export function StatusBadge({ status }: { status: TenantStatus }) {
  return <span className={`status-badge ${STATUS_STYLE[status]}`}>{STATUS_LABEL[status]}</span>;
}
