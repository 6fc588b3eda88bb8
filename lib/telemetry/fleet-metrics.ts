// The fleet's metrics, exported by workers through the meter provider of lib/telemetry/setup.ts. Job latency is a
// histogram recorded by the worker that finished the job; everything else is an observable gauge read from the
// database (lib/fleet/stats.ts) by one worker only — the longest-running live one — so that the fleet's numbers are
// reported once, however many workers (and web instances, which export no metrics) there are.
import { metrics, ValueType, type Histogram, type MeterProvider } from "@opentelemetry/api";
import type { Db } from "../db/client";
import { serverEnv } from "../env";
import { HEARTBEAT_STALE_MS } from "../jobs/heartbeat";
import { armWriteBudgetLeft, healthSweepLag, jobLatencies, queueDepths, webhookFailures, workerHeartbeats } from "../fleet/stats";

const METER = "cmk-portal";

let latency: { provider: MeterProvider; histogram: Histogram } | undefined;

/** Records the time from queueing to the end of one finished job (seconds), by kind and outcome. */
export function recordJobLatency(kind: string, outcome: string, ms: number): void {
  // Instruments made before the meter provider is registered stay no-ops: make the histogram with the current one.
  const provider = metrics.getMeterProvider();
  if (latency?.provider !== provider) {
    const histogram = provider.getMeter(METER).createHistogram("cmk.job.latency", {
      unit: "s",
      description: "Time from queueing to the end of a job",
      advice: { explicitBucketBoundaries: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600] },
    });
    latency = { provider, histogram };
  }
  latency.histogram.record(ms / 1000, { "cmk.job.kind": kind, "cmk.job.outcome": outcome });
}

/** The worker whose live heartbeat row is oldest reports the fleet's gauges. */
export function isFleetReporter(beats: { instanceId: string; startedAt: Date; lastSeenAt: Date }[], workerId: string, now: Date): boolean {
  const live = beats.filter((b) => now.getTime() - b.lastSeenAt.getTime() <= HEARTBEAT_STALE_MS);
  const reporter = live.reduce<(typeof live)[number] | undefined>((oldest, b) => (!oldest || b.startedAt < oldest.startedAt || (b.startedAt.getTime() === oldest.startedAt.getTime() && b.instanceId < oldest.instanceId) ? b : oldest), undefined);
  return reporter?.instanceId === workerId;
}

/** Registers the fleet's gauges for this worker; returns the function that removes them (worker stop). */
export function registerFleetMetrics(db: Db, workerId: string): () => void {
  const meter = metrics.getMeter(METER);
  const gauge = (name: string, description: string, unit?: string) => meter.createObservableGauge(name, { description, unit, valueType: ValueType.DOUBLE });
  const g = {
    workers: gauge("cmk.fleet.workers", "Workers with a heartbeat in the last 30 s"),
    depth: gauge("cmk.queue.depth", "Queued jobs that could run now, per queue (Job kind or pg-boss queue)"),
    delayed: gauge("cmk.queue.delayed", "Queued jobs waiting for a retry delay or their slot, per queue"),
    oldest: gauge("cmk.queue.oldest_age", "How long the oldest job that could run now has waited, per queue", "s"),
    p50: gauge("cmk.job.latency.p50", "Median time from queueing to the end of jobs finished in the last 15 minutes, per kind", "s"),
    p95: gauge("cmk.job.latency.p95", "95th percentile of the same", "s"),
    tokens: gauge("cmk.arm.write_budget.tokens", "ARM write tokens left in the shared budget (negative: writes wait for tokens)"),
    paused: gauge("cmk.arm.write_budget.paused", "Seconds all ARM writes are still paused by a 429", "s"),
    sweepLag: gauge("cmk.health.sweep.lag", "How far health checks are behind their slots", "s"),
    webhookFailed: gauge("cmk.webhook.deliveries.failed", "Webhook deliveries that gave up after every attempt"),
    webhookRetrying: gauge("cmk.webhook.deliveries.retrying", "Webhook deliveries retrying after a failed attempt"),
  };
  const callback: Parameters<typeof meter.addBatchObservableCallback>[0] = async (observer) => {
    const now = new Date();
    const beats = await workerHeartbeats(db);
    if (!isFleetReporter(beats, workerId, now)) return;
    const env = serverEnv();
    const [depths, latencies, budgets, webhooks] = await Promise.all([
      queueDepths(db),
      jobLatencies(db),
      armWriteBudgetLeft(db, { bucketSize: env.ARM_WRITE_BUCKET_SIZE, refillPerSecond: env.ARM_WRITE_REFILL_PER_SECOND }),
      webhookFailures(db),
    ]);
    const sweep = await healthSweepLag(db, depths);
    observer.observe(g.workers, beats.filter((b) => now.getTime() - b.lastSeenAt.getTime() <= HEARTBEAT_STALE_MS).length);
    for (const q of depths) {
      observer.observe(g.depth, q.due, { "cmk.queue": q.queue });
      observer.observe(g.delayed, q.delayed, { "cmk.queue": q.queue });
      observer.observe(g.oldest, q.oldestDueSeconds ?? 0, { "cmk.queue": q.queue });
    }
    for (const l of latencies) {
      observer.observe(g.p50, l.p50Seconds, { "cmk.job.kind": l.kind });
      observer.observe(g.p95, l.p95Seconds, { "cmk.job.kind": l.kind });
    }
    for (const b of budgets) {
      const attributes = { "cmk.arm.subscription": b.subscriptionId, "cmk.arm.region": b.region };
      observer.observe(g.tokens, b.tokens, attributes);
      observer.observe(g.paused, b.pausedForSeconds, attributes);
    }
    observer.observe(g.sweepLag, sweep.lagSeconds);
    observer.observe(g.webhookFailed, webhooks.failed);
    observer.observe(g.webhookRetrying, webhooks.retrying);
  };
  const observables = Object.values(g);
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
