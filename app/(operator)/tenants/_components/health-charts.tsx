"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { CHART_STATES, type HealthBucket } from "@/lib/dashboard/health-chart";
import { STATUS_LABEL } from "@/lib/dashboard/filters";

const COLOURS: Record<(typeof CHART_STATES)[number], string> = { HEALTHY: "#059669", DEGRADED: "#f59e0b", KEY_UNREACHABLE: "#7c3aed", REVOKED: "#e11d48" };

function tick(at: string, bucket: "hour" | "day"): string {
  const iso = new Date(at).toISOString();
  return bucket === "hour" ? `${iso.slice(11, 13)}:00` : iso.slice(5, 10);
}

/** Health changes (transitions into each state) per hour or per day, stacked. Loaded lazily: recharts is large. */
export default function HealthChangesChart({ data, bucket }: { data: HealthBucket[]; bucket: "hour" | "day" }) {
  const rows = data.map((d) => ({ ...d, label: tick(d.at, bucket) }));
  return (
    <ResponsiveContainer width="100%" height={220}>
      <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="label" tick={{ fontSize: 11, fill: "#475569" }} interval={bucket === "hour" ? 3 : 0} />
        <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#475569" }} />
        <Tooltip />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {CHART_STATES.map((state) => (
          <Bar key={state} dataKey={state} name={`→ ${STATUS_LABEL[state]}`} stackId="changes" fill={COLOURS[state]} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
