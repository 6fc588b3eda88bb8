import type { NextConfig } from "next";
import { toolingEnv } from "./lib/env";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // forbidden() in pages: refusal pages answer HTTP 403 (app/forbidden.tsx), not 200.
  experimental: { authInterrupts: true },
  distDir: toolingEnv().NEXT_DIST_DIR,
  // One self-contained server (<distDir>/standalone/server.js) with only the node_modules it traces;
  // scripts/build-standalone.ts copies static/ and public/ beside it. The Dockerfile's `web` runs it.
  output: "standalone",
  // Readiness compares the applied migrations with the committed ones, read from prisma/migrations.
  outputFileTracingIncludes: { "/api/health/ready": ["./prisma/migrations/**/*"] },
  // Server-only packages that must stay as Node modules (native pg, worker threads, WASM).
  // @azure/core-tracing stays one module for every Azure SDK and for the OpenTelemetry plugin that switches its
  // tracing on (lib/telemetry/azure-sdk.ts); the OpenTelemetry SDK and exporters load Node modules dynamically.
  serverExternalPackages: [
    "pg", "pg-boss", "pino", "@prisma/client", "@prisma/adapter-pg",
    "@azure/core-tracing", "@azure/opentelemetry-instrumentation-azure-sdk", "@azure/monitor-opentelemetry-exporter",
    "@opentelemetry/sdk-trace-node", "@opentelemetry/sdk-metrics", "@opentelemetry/instrumentation", "@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/exporter-metrics-otlp-http",
  ],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
