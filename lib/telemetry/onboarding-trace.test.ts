// An onboarding's traces, read from the exported spans: the submit action, the provisioning job it queues and the
// Azure SDK calls the job makes (the DES create included) form one trace, and the job's log lines carry its ids.
import { Writable } from "node:stream";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSharedQueue } from "../jobs/queue";
import { verifyOnce } from "../testing/verification";
import type { SimHandle } from "../../e2e/azure-sim/index";
import { SIM } from "../../e2e/azure-sim/seed";
import type { SessionUser } from "../auth/session-store";
import { confirmConsent } from "../consent/service";
import { startWorker, type RunningWorker } from "../jobs/worker";
import { createLogger } from "../logger";
import { grantAccess, grantMyselfKeyAccess, selectKey, selectVault } from "../onboarding/service";
import { submitAction } from "../onboarding/submit-action";
import { waitFor } from "../provisioning/testing";
import { testDatabaseUrl, testDb } from "../testing/db";
import { sessionFor, startSimForTests } from "../testing/sim";
import { startTelemetry, stopTelemetryForTests } from "./setup";

const db = testDb();
const { contoso } = SIM.customers;
const spans = new InMemorySpanExporter();
const logLines: Record<string, unknown>[] = [];
const log = createLogger(new Writable({ write(chunk: Buffer, _encoding, done) { logLines.push(JSON.parse(chunk.toString())); done(); } }));
let sim: SimHandle;
let connie: SessionUser;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  sim = await startSimForTests();
  // No exporter configured: only the test's in-memory one, which keeps every finished span.
  await startTelemetry({
    serviceName: "cmk-worker",
    settings: { OTEL_EXPORTER_OTLP_ENDPOINT: undefined, APPLICATIONINSIGHTS_CONNECTION_STRING: undefined, APPLICATIONINSIGHTS_AUTH: "entra", OTEL_METRIC_EXPORT_INTERVAL: 60_000, LOG_LEVEL: "info" },
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  sim.faults.grantConsent(SIM.cmkAppClientId, contoso.tenantId);
  connie = await sessionFor(sim, db, "contosoAdmin");
  await confirmConsent(db, connie);
  const ctx = { db, user: connie };
  await selectVault(ctx, { vaultResourceId: `/subscriptions/${contoso.subscriptionId}/resourceGroups/${contoso.resourceGroup}/providers/Microsoft.KeyVault/vaults/${contoso.vaultName}` });
  await grantMyselfKeyAccess(ctx);
  await selectKey(ctx, { keyName: contoso.keyName });
  await grantAccess(ctx);
  expect(await verifyOnce(ctx, { restart: true })).toMatchObject({ state: "verified" });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await closeSharedQueue();
  await stopTelemetryForTests();
  await sim?.stop();
});

const attr = (span: ReadableSpan, name: string) => span.attributes[name];

describe("traces of an onboarding", () => {
  it("shows submit → provisioning job → Azure SDK calls as one trace, and the job's log lines carry its trace id", async () => {
    spans.reset();
    const submitted = await submitAction.run(connie, { rotationToLatest: true }, db);
    expect(submitted).toMatchObject({ ok: true });
    const { jobId } = (submitted as { ok: true; data: { jobId: string } }).data;
    expect((await db.job.findUniqueOrThrow({ where: { id: jobId } })).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    worker = await startWorker({ databaseUrl: testDatabaseUrl(), concurrency: 2, leaseSeconds: 10, healthIntervalMinutes: 15, scheduleHealth: false, pollIntervalMs: 50, queuePollingSeconds: 0.5, log });
    const job = await waitFor(async () => {
      const row = await db.job.findUniqueOrThrow({ where: { id: jobId } });
      return row.status === "SUCCEEDED" || row.status === "FAILED" ? row : undefined;
    }, 30_000, "the provisioning job to finish");
    expect(job.status).toBe("SUCCEEDED");
    await worker.stop();
    worker = undefined;

    const finished = spans.getFinishedSpans();
    const action = finished.find((s) => s.name === "action onboarding.submit");
    expect(action, finished.map((s) => s.name).join(", ")).toBeDefined();
    const traceId = action!.spanContext().traceId;
    const trace = finished.filter((s) => s.spanContext().traceId === traceId);

    const jobSpan = trace.find((s) => s.name === "job PROVISION_DES");
    expect(jobSpan, trace.map((s) => s.name).join(", ")).toBeDefined();
    expect(jobSpan!.parentSpanContext?.spanId).toBe(action!.spanContext().spanId);
    expect(jobSpan!.kind).toBe(SpanKind.CONSUMER);
    expect(jobSpan!.attributes).toMatchObject({ "cmk.job.kind": "PROVISION_DES", "cmk.job.id": jobId, "cmk.job.attempt": 1, "cmk.job.outcome": "succeeded" });

    // The DES create as the Azure SDK sent it: a PUT of the disk encryption set under the job's span, with its status.
    const jobDescendants = new Set([jobSpan!.spanContext().spanId]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of trace) {
        if (s.parentSpanContext && jobDescendants.has(s.parentSpanContext.spanId) && !jobDescendants.has(s.spanContext().spanId)) {
          jobDescendants.add(s.spanContext().spanId);
          grew = true;
        }
      }
    }
    const azureCalls = trace.filter((s) => jobDescendants.has(s.spanContext().spanId) && s.kind === SpanKind.CLIENT && attr(s, "http.method") !== undefined);
    const desPut = azureCalls.find((s) => attr(s, "http.method") === "PUT" && /\/providers\/Microsoft\.Compute\/diskEncryptionSets\//i.test(String(attr(s, "http.url"))));
    expect(desPut, azureCalls.map((s) => `${attr(s, "http.method")} ${attr(s, "http.url")}`).join("\n")).toBeDefined();
    expect([200, 201, 202]).toContain(attr(desPut!, "http.status_code"));
    expect(attr(desPut!, "serviceRequestId")).toEqual(expect.any(String));
    // Its long-running operation was followed in the same trace.
    expect(azureCalls.some((s) => attr(s, "http.method") === "GET" && attr(s, "http.status_code") === 200)).toBe(true);

    const jobLines = logLines.filter((line) => line.jobId === jobId);
    expect(jobLines.map((line) => line.msg)).toContain("job attempt finished");
    expect(jobLines.find((line) => line.msg === "job attempt finished")).toMatchObject({ traceId, spanId: jobSpan!.spanContext().spanId });
  }, 60_000);
});
