import Link from "next/link";
import { actorLabel, auditQueryParams, type AuditQuery, type AuditRow, type AuditScope } from "@/lib/audit/query";
import { Time } from "@/components/ui/time";

const RESULT_STYLE = { SUCCESS: "text-emerald-800", FAILURE: "text-amber-900", DENIED: "text-rose-800" } as const;

/** Filter form + one page of events + export link; shared by the staff and the customer audit pages. */
export function AuditLogView({ rows, query, scope, basePath, exportPath, nextBefore }: { rows: AuditRow[]; query: AuditQuery; scope: AuditScope; basePath: string; exportPath: string; nextBefore?: bigint }) {
  const filterParams = auditQueryParams(query, { before: undefined });
  const field = "mt-1 block w-full rounded-lg border border-slate-300 px-2 py-1.5 text-sm";
  return (
    <div className="space-y-4">
      <form className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-6" aria-label="Filter the audit log">
        {scope.kind === "staff" && (
          <label className="text-sm font-medium text-slate-700">
            Customer
            <input name="tenant" defaultValue={query.tenant} placeholder="Name or tenant id" className={field} />
          </label>
        )}
        {scope.kind === "staff" && (
          <label className="text-sm font-medium text-slate-700">
            Actor
            <input name="actor" defaultValue={query.actor} placeholder="UPN or object id" className={field} />
          </label>
        )}
        <label className="text-sm font-medium text-slate-700">
          Action starts with
          <input name="action" defaultValue={query.action} placeholder="support.revoke" className={field} />
        </label>
        <label className="text-sm font-medium text-slate-700">
          Result
          <select name="result" defaultValue={query.result ?? ""} className={field}>
            <option value="">Any</option>
            <option value="SUCCESS">Success</option>
            <option value="FAILURE">Failure</option>
            <option value="DENIED">Denied</option>
          </select>
        </label>
        <label className="text-sm font-medium text-slate-700">
          From (UTC)
          <input type="date" name="from" defaultValue={query.from?.toISOString().slice(0, 10)} className={field} />
        </label>
        <label className="text-sm font-medium text-slate-700">
          To (UTC)
          <input type="date" name="to" defaultValue={query.to?.toISOString().slice(0, 10)} className={field} />
        </label>
        <div className="flex items-end gap-3 sm:col-span-3 lg:col-span-6">
          <button type="submit" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            Filter
          </button>
          <Link href={basePath} className="text-sm font-medium text-brand-700 underline">
            Clear
          </Link>
          <a href={`${exportPath}?${filterParams}`} className="ml-auto rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50" download>
            Export CSV
          </a>
        </div>
      </form>
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Audit events, newest first</caption>
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">Time</th>
              <th className="px-3 py-2 font-medium">Who</th>
              <th className="px-3 py-2 font-medium">Action</th>
              <th className="px-3 py-2 font-medium">Result</th>
              {scope.kind === "staff" && <th className="px-3 py-2 font-medium">Customer</th>}
              <th className="px-3 py-2 font-medium">Target</th>
              <th className="px-3 py-2 font-medium">Reason</th>
              <th className="px-3 py-2 font-medium">Request id</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.seq.toString()} className="border-t border-slate-100 align-top">
                <td className="whitespace-nowrap px-3 py-1.5"><Time value={row.occurredAt} /></td>
                <td className="px-3 py-1.5">
                  {actorLabel(row, scope)}
                  {row.actorRole && scope.kind === "staff" && <span className="block text-xs text-slate-500">{row.actorRole}</span>}
                </td>
                <td className="px-3 py-1.5 font-mono text-xs">{row.action}</td>
                <td className={`px-3 py-1.5 font-medium ${RESULT_STYLE[row.result]}`}>{row.result}</td>
                {scope.kind === "staff" && <td className="px-3 py-1.5">{row.tenantName ?? "—"}</td>}
                <td className="max-w-xs break-all px-3 py-1.5 text-xs">{row.targetType ? `${row.targetType}: ${row.targetId ?? ""}` : "—"}</td>
                <td className="px-3 py-1.5">{row.reason ?? "—"}</td>
                <td className="px-3 py-1.5 font-mono text-xs">{row.requestId?.slice(0, 8) ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="p-4 text-sm text-slate-600">No events match these filters.</p>}
      </div>
      {nextBefore !== undefined && (
        <Link href={`${basePath}?${auditQueryParams(query, { before: nextBefore.toString() })}`} className="inline-block font-medium text-brand-700 underline">
          Older events
        </Link>
      )}
    </div>
  );
}
