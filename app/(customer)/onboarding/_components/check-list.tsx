import type { CheckItem, CheckStatus } from "@/lib/onboarding/checks";

const STATUS = {
  pass: { icon: "✓", label: "OK", className: "bg-emerald-100 text-emerald-800" },
  warn: { icon: "!", label: "Warning", className: "bg-amber-100 text-amber-900" },
  fail: { icon: "✕", label: "Blocks", className: "bg-red-100 text-red-800" },
} as const satisfies Record<CheckStatus, unknown>;

export function ReadinessBadge({ status }: { status: CheckStatus }) {
  const text = status === "pass" ? "Ready" : status === "warn" ? "Ready, with warnings" : "Not usable";
  return <span className={`inline-flex rounded-full px-2.5 py-0.5 text-xs font-medium ${STATUS[status].className}`}>{text}</span>;
}

/** Each check with its reason; red items also say how to fix them. */
export function CheckList({ items }: { items: CheckItem[] }) {
  return (
    <ul className="space-y-2">
      {items.map((item) => (
        <li key={item.id} className="flex gap-3">
          <span aria-hidden="true" className={`mt-0.5 flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs font-bold ${STATUS[item.status].className}`}>
            {STATUS[item.status].icon}
          </span>
          <div>
            <p className="text-sm">
              <span className="font-medium">{item.title}</span>
              <span className="sr-only"> ({STATUS[item.status].label})</span>: {item.reason}
            </p>
            {item.fix && item.status !== "pass" && <p className="text-sm text-slate-600">How to fix: {item.fix}</p>}
          </div>
        </li>
      ))}
    </ul>
  );
}
