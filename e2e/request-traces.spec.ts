import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { childEnv, toolingEnv } from "../lib/env";
import { PLACEHOLDER_APP_ENV } from "../lib/testing/app-env";
import { builtFile } from "../scripts/production-processes";
import { e2eDatabaseUrl } from "./support/e2e-database";

// Incoming requests are traced by Next.js itself once the portal registers a tracer provider (instrumentation.ts):
// a second instance of the very build under test exports to a local OTLP receiver, which stands in for a collector.
// A load balancer's traceparent is continued, so the portal's spans join the caller's trace.

type OtlpAttribute = { key: string; value: { stringValue?: string; intValue?: string | number } };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: OtlpAttribute[] };
const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
};

const spans: OtlpSpan[] = [];
let receiver: Server;
let web: ChildProcess;
let base = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        spans.push(...body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const tooling = toolingEnv();
  const port = tooling.E2E_APP_PORT + 7;
  base = `http://127.0.0.1:${port}`;
  const server = builtFile("web", path.resolve(import.meta.dirname, ".."), tooling.NEXT_DIST_DIR);
  web = spawn(process.execPath, [path.basename(server)], {
    cwd: path.dirname(server),
    stdio: ["ignore", "ignore", "inherit"],
    env: childEnv({
      ...PLACEHOLDER_APP_ENV,
      DATABASE_URL: e2eDatabaseUrl(tooling.E2E_APP_PORT),
      SESSION_SECRET: randomBytes(32).toString("base64"),
      APP_BASE_URL: base,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      LOG_LEVEL: "warn",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      // Exported as soon as a span ends, so the test need not wait for the batch interval.
      OTEL_BSP_SCHEDULE_DELAY: "100",
    }),
  });
  await expect.poll(() => fetch(`${base}/api/health/live`).then((r) => r.status, () => 0), { timeout: 60_000 }).toBe(200);
});

test.afterAll(async () => {
  if (web && web.exitCode === null) await new Promise((resolve) => (web.once("exit", resolve), web.kill("SIGTERM")));
  if (receiver) await new Promise((resolve) => receiver.close(resolve));
});

/** The trace's outermost span: the one whose parent is not in the trace (the caller's, or none). */
function outermost(trace: OtlpSpan[]): OtlpSpan | undefined {
  const ids = new Set(trace.map((s) => s.spanId));
  return trace.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
}

/** Next's span for the request to `route` (it names it "<method> <route>" once the route is known). */
const requestSpan = (trace: OtlpSpan[], route: string) => trace.find((s) => attribute(s, "next.span_type") === "BaseServer.handleRequest" && attribute(s, "http.route") === route);

test("Next.js traces an incoming request as a server span that continues the caller's trace, with the handler's span inside it", async () => {
  const traceId = randomBytes(16).toString("hex");
  const callerSpanId = randomBytes(8).toString("hex");
  const response = await fetch(`${base}/api/health/ready`, { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
  expect(response.status).toBe(200);

  // The request's own spans end last, after their children.
  await expect.poll(() => requestSpan(spans.filter((s) => s.traceId === traceId), "/api/health/ready") !== undefined, { timeout: 20_000 }).toBe(true);
  await expect.poll(() => outermost(spans.filter((s) => s.traceId === traceId))?.parentSpanId, { timeout: 20_000 }).toBe(callerSpanId);
  const trace = spans.filter((s) => s.traceId === traceId);
  const request = requestSpan(trace, "/api/health/ready")!;
  expect(request.kind).toBe(2); // SPAN_KIND_SERVER
  expect(request.name).toBe("GET /api/health/ready");
  expect(attribute(request, "http.status_code")).toBe(200);
  // The route handler ran inside the request's span.
  expect(trace.some((s) => s.parentSpanId === request.spanId)).toBe(true);
});

test("a page render is traced too, and a request without a caller's trace starts its own", async () => {
  const before = spans.length;
  const response = await fetch(`${base}/`);
  expect(response.status).toBe(200);
  await response.text();
  await expect.poll(() => requestSpan(spans.slice(before), "/") !== undefined, { timeout: 20_000 }).toBe(true);
  const { traceId } = requestSpan(spans.slice(before), "/")!;
  await expect.poll(() => outermost(spans.filter((s) => s.traceId === traceId))?.parentSpanId ?? "none", { timeout: 20_000 }).toBe("none");
  const trace = spans.filter((s) => s.traceId === traceId);
  expect(trace.map((s) => attribute(s, "next.span_type"))).toEqual(expect.arrayContaining(["Middleware.execute", "AppRender.getBodyResult"]));
});
