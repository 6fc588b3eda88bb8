"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { Time } from "@/components/ui/time";

const EVERY_MS = 30_000;

/**
 * Re-renders the page on the server every 30 s while the tab is visible. router.refresh() keeps client
 * state, scroll position and focus: only the data changes.
 */
export function AutoRefresh({ renderedAt }: { renderedAt: string }) {
  const router = useRouter();
  const [enabled, setEnabled] = useState(true);
  const [pending, startTransition] = useTransition();

  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") startTransition(() => router.refresh());
    }, EVERY_MS);
    return () => clearInterval(timer);
  }, [enabled, router]);

  return (
    <div className="flex items-center gap-3 text-sm text-slate-600">
      <span aria-live="polite">{pending ? "Refreshing…" : (
          <>
            Updated <Time value={renderedAt} />
          </>
        )}</span>
      <label className="flex items-center gap-1.5">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} className="h-4 w-4 accent-brand-600" />
        Auto-refresh every 30 s
      </label>
      <button type="button" onClick={() => startTransition(() => router.refresh())} className="font-medium text-brand-700 hover:underline">
        Refresh now
      </button>
    </div>
  );
}
