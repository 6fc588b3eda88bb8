// The health-changes charts' data shape. Pure and browser-safe (the chart component imports it).
export const CHART_STATES = ["HEALTHY", "DEGRADED", "KEY_UNREACHABLE", "REVOKED"] as const;
export type ChartState = (typeof CHART_STATES)[number];

/** Transitions into each state within one bucket (an hour or a day) starting at `at`. */
export type HealthBucket = { at: string } & Record<ChartState, number>;

export function chartTotal(buckets: HealthBucket[]): number {
  return buckets.reduce((sum, b) => sum + CHART_STATES.reduce((s, state) => s + b[state], 0), 0);
}
