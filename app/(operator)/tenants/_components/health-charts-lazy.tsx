"use client";

import dynamic from "next/dynamic";
import type { HealthBucket } from "@/lib/dashboard/health-chart";

// Charts load after the page: keeps recharts out of the dashboard's first-load JavaScript.
const HealthChangesChart = dynamic(() => import("./health-charts"), {
  ssr: false,
  loading: () => <div className="h-[220px] animate-pulse rounded-lg bg-slate-100" aria-label="Loading chart" />,
});

export function LazyHealthChart(props: { data: HealthBucket[]; bucket: "hour" | "day" }) {
  return <HealthChangesChart {...props} />;
}
