// Turns telemetry on for one process (the web server from instrumentation.ts, the worker from scripts/worker.ts):
// a tracer provider with the configured exporters, the Azure SDK plugin, and (workers) a meter provider. Which
// exporters run is read from lib/env.ts: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, Azure Monitor when
// APPLICATIONINSIGHTS_CONNECTION_STRING is, the log (one JSON line per finished span) when LOG_LEVEL=debug. None of them: nothing is registered,
// and the OpenTelemetry API stays the no-op it is by default.
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, SimpleSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from "@opentelemetry/core";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import os from "node:os";
import { providerManagedIdentity } from "../azure/credentials";
import { serverEnv, type ServerEnv } from "../env";
import { logger } from "../logger";
import { instrumentAzureSdks } from "./azure-sdk";

export type TelemetrySettings = Pick<ServerEnv, "OTEL_EXPORTER_OTLP_ENDPOINT" | "APPLICATIONINSIGHTS_CONNECTION_STRING" | "APPLICATIONINSIGHTS_AUTH" | "OTEL_METRIC_EXPORT_INTERVAL" | "LOG_LEVEL">;

export type TelemetryOptions = {
  serviceName: "cmk-web" | "cmk-worker";
  /** Tells the instances of one service apart (service.instance.id); default host and pid. */
  instanceId?: string;
  /** Metrics are exported by workers only, so that N web instances do not multiply the fleet's gauges. */
  metrics?: boolean;
  settings?: TelemetrySettings;
  /** Tests: span processors and metric readers beside the configured exporters. */
  spanProcessors?: SpanProcessor[];
  metricReaders?: IMetricReader[];
};

export type Telemetry = {
  /** Where spans and metrics go, for the start-up log line. */
  destinations: string[];
  tracing: boolean;
  metrics: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
};

const OFF: Telemetry = { destinations: [], tracing: false, metrics: false, forceFlush: async () => undefined, shutdown: async () => undefined };

let started: Promise<Telemetry> | undefined;

/** Starts telemetry once per process; later calls get the same handle. */
export function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  started ??= start(options);
  return started;
}

/** Tests: stops the process's telemetry so that the next start registers afresh. */
export async function stopTelemetryForTests(): Promise<void> {
  const current = started;
  started = undefined;
  await (await current)?.shutdown();
}

function azureMonitorOptions(settings: TelemetrySettings) {
  const connectionString = settings.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return undefined;
  // Entra: the exporter asks the provider's managed identity for a https://monitor.azure.com token; the key in the
  // connection string then only names the resource, and local authentication can be disabled on it.
  return settings.APPLICATIONINSIGHTS_AUTH === "entra" ? { connectionString, credential: providerManagedIdentity() } : { connectionString };
}

async function start(options: TelemetryOptions): Promise<Telemetry> {
  const settings = options.settings ?? serverEnv();
  const spanExporters: SpanExporter[] = [];
  const metricExporters: PushMetricExporter[] = [];
  const destinations: string[] = [];
  if (settings.OTEL_EXPORTER_OTLP_ENDPOINT) {
    spanExporters.push(new OTLPTraceExporter({ url: `${settings.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` }));
    metricExporters.push(new OTLPMetricExporter({ url: `${settings.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/metrics` }));
    destinations.push(`OTLP ${settings.OTEL_EXPORTER_OTLP_ENDPOINT}`);
  }
  const azureMonitor = azureMonitorOptions(settings);
  if (azureMonitor) {
    const { AzureMonitorMetricExporter, AzureMonitorTraceExporter } = await import("@azure/monitor-opentelemetry-exporter");
    spanExporters.push(new AzureMonitorTraceExporter({ ...azureMonitor }));
    metricExporters.push(new AzureMonitorMetricExporter({ ...azureMonitor }));
    destinations.push(`Azure Monitor (${settings.APPLICATIONINSIGHTS_AUTH === "entra" ? "managed identity" : "instrumentation key"})`);
  }
  const processors: SpanProcessor[] = [...spanExporters.map((exporter) => new BatchSpanProcessor(exporter)), ...(options.spanProcessors ?? [])];
  if (settings.LOG_LEVEL === "debug" || settings.LOG_LEVEL === "trace") {
    processors.push(new SimpleSpanProcessor(new LogSpanExporter()));
    destinations.push("console");
  }
  if (processors.length === 0) return OFF;

  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    "service.instance.id": options.instanceId ?? `${os.hostname()}-${process.pid}`,
  });
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: processors });
  // Sets the global provider, the AsyncLocalStorage context manager and the W3C traceparent propagator.
  tracerProvider.register();
  instrumentAzureSdks();

  const readers = options.metrics
    ? [...metricExporters.map((exporter) => new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: settings.OTEL_METRIC_EXPORT_INTERVAL })), ...(options.metricReaders ?? [])]
    : [];
  const meterProvider = readers.length > 0 ? new MeterProvider({ resource, readers }) : undefined;
  if (meterProvider) metrics.setGlobalMeterProvider(meterProvider);

  return {
    destinations,
    tracing: true,
    metrics: meterProvider !== undefined,
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider?.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider?.shutdown()]);
      for (const api of [trace, metrics, propagation, context]) api.disable();
    },
  };
}

/**
 * Finished spans as debug log lines. OpenTelemetry's ConsoleSpanExporter prints multi-line object dumps to stdout,
 * in between pino's JSON lines, which breaks every reader of the log stream (a log shipper, the fleet test).
 */
class LogSpanExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      logger.debug(
        { span: { name: span.name, traceId, spanId, parentSpanId: span.parentSpanContext?.spanId, durationMs: Math.round(hrTimeToMilliseconds(span.duration)), status: span.status.code, attributes: span.attributes } },
        "span finished",
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
