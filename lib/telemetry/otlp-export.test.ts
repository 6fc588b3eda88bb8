// OTLP export really sends: a local receiver stands in for an OpenTelemetry collector, the environment names it
// (OTEL_EXPORTER_OTLP_ENDPOINT), and it receives the portal's spans and the fleet's metrics as OTLP/HTTP JSON.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../testing/db";
import { setAppEnvForTests } from "../testing/app-env";
import { registerFleetMetrics, recordJobLatency } from "./fleet-metrics";
import { startTelemetry, stopTelemetryForTests, type Telemetry } from "./setup";
import { inSpan } from "./spans";

type Received = { path: string; contentType: string; body: string };

const db = testDb();
const received: Received[] = [];
let receiver: Server;
let telemetry: Telemetry;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", contentType: request.headers["content-type"] ?? "", body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  setAppEnvForTests({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, LOG_LEVEL: "info" });
  telemetry = await startTelemetry({ serviceName: "cmk-worker", metrics: true });
});

afterAll(async () => {
  await stopTelemetryForTests();
  await new Promise((resolve) => receiver.close(resolve));
});

type OtlpAttribute = { key: string; value: { stringValue?: string; intValue?: string | number; doubleValue?: number } };
const attributeValue = (attributes: OtlpAttribute[] | undefined, key: string) => {
  const value = attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.doubleValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
};

describe("OTLP export", () => {
  it("is on only because the endpoint is configured, and posts spans to <endpoint>/v1/traces", async () => {
    expect(telemetry.destinations).toEqual([expect.stringMatching(/^OTLP http:\/\/127\.0\.0\.1:\d+$/)]);
    await inSpan("action test.export", { attributes: { "cmk.action": "test.export" } }, async () => undefined);
    await telemetry.forceFlush();
    const traces = received.filter((r) => r.path === "/v1/traces");
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]!.contentType).toMatch(/^application\/json/);
    const resourceSpans = traces.flatMap((r) => (JSON.parse(r.body) as { resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: { name: string; traceId: string; attributes: OtlpAttribute[] }[] }[] }[] }).resourceSpans);
    const span = resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).find((s) => s.name === "action test.export");
    expect(span).toBeDefined();
    expect(span!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(attributeValue(span!.attributes, "cmk.action")).toBe("test.export");
    expect(attributeValue(resourceSpans[0]!.resource.attributes, "service.name")).toBe("cmk-worker");
  });

  it("posts the fleet's metrics to <endpoint>/v1/metrics: job latency and the gauges read from the database", async () => {
    const workerId = "worker-otlp-test";
    await db.workerHeartbeat.create({ data: { instanceId: workerId, hostname: "test", pid: 1, startedAt: new Date(), lastSeenAt: new Date() } });
    await db.job.create({ data: { kind: "PROVISION_DES", idempotencyKey: "otlp-test-queued", payload: {} } });
    const stop = registerFleetMetrics(db, workerId);
    recordJobLatency("PROVISION_DES", "succeeded", 4_000);
    await telemetry.forceFlush();
    stop();
    const metrics = received
      .filter((r) => r.path === "/v1/metrics")
      .flatMap((r) => (JSON.parse(r.body) as { resourceMetrics: { scopeMetrics: { metrics: { name: string; gauge?: { dataPoints: { attributes: OtlpAttribute[]; asDouble?: number }[] }; histogram?: { dataPoints: { count: string | number; sum: number }[] } }[] }[] }[] }).resourceMetrics)
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const byName = (name: string) => metrics.find((m) => m.name === name);
    expect(byName("cmk.job.latency")?.histogram?.dataPoints[0]).toMatchObject({ sum: 4 });
    const depth = byName("cmk.queue.depth")?.gauge?.dataPoints.find((p) => attributeValue(p.attributes, "cmk.queue") === "PROVISION_DES");
    expect(depth?.asDouble).toBe(1);
    expect(byName("cmk.fleet.workers")?.gauge?.dataPoints[0]?.asDouble).toBe(1);
    for (const name of ["cmk.health.sweep.lag", "cmk.webhook.deliveries.failed", "cmk.webhook.deliveries.retrying"]) expect(byName(name), name).toBeDefined();
  });
});
