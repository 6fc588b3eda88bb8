export function TableSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading tenants" className="overflow-hidden rounded-xl border border-slate-200 bg-white">
      <div className="h-9 bg-slate-50" />
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="flex gap-4 border-t border-slate-100 px-3 py-3">
          <div className="h-4 w-1/4 animate-pulse rounded bg-slate-200" />
          <div className="h-4 w-1/6 animate-pulse rounded bg-slate-100" />
          <div className="h-4 w-1/6 animate-pulse rounded bg-slate-100" />
          <div className="h-4 flex-1 animate-pulse rounded bg-slate-100" />
        </div>
      ))}
    </div>
  );
}
