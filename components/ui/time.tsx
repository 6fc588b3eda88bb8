"use client";

import { useSyncExternalStore } from "react";
import { formatLocal, formatRelative, formatUtc, toDate, type TimeInput } from "@/lib/format/time";

// One shared clock for every <Time> on the page, ticking each 30 s so "3 minutes ago" stays true.
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
function subscribe(listener: () => void) {
  listeners.add(listener);
  now = Date.now();
  timer ??= setInterval(() => {
    now = Date.now();
    listeners.forEach((l) => l());
  }, 30_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/**
 * A point in time: the reader's local time and how long ago ("3 minutes ago"), with UTC on hover. The server (and the
 * first client render, so hydration matches) shows UTC; the browser then switches to its own time zone.
 */
export function Time({ value, relative = true, fallback = "—" }: { value: TimeInput | null | undefined; relative?: boolean; fallback?: string }) {
  const clock = useSyncExternalStore(subscribe, () => now, () => null);
  if (value === null || value === undefined) return <>{fallback}</>;
  const date = toDate(value);
  const utc = formatUtc(date);
  return (
    <time dateTime={date.toISOString()} title={utc} className="whitespace-nowrap">
      {clock === null ? utc : relative ? `${formatLocal(date)} (${formatRelative(date, clock)})` : formatLocal(date)}
    </time>
  );
}
