// Spans from the Azure SDKs themselves (one per SDK operation and per HTTP request, with method, URL, status and
// Azure's request ids), through Azure's OpenTelemetry plugin for @azure/core-tracing.
import * as coreTracing from "@azure/core-tracing";
import { AzureSdkInstrumentation } from "@azure/opentelemetry-instrumentation-azure-sdk";
import { registerInstrumentations } from "@opentelemetry/instrumentation";

let instrumented = false;

/** Makes every Azure SDK client of this process emit spans to the registered tracer provider. Once per process. */
export function instrumentAzureSdks(): void {
  if (instrumented) return;
  instrumented = true;
  // What createAzureSdkInstrumentation() returns, typed as the class so that its module patch can be reached.
  const instrumentation = new AzureSdkInstrumentation();
  // The plugin hooks require() of @azure/core-tracing; it is a dual package and this app loads it as an ES module,
  // which no require hook sees. Its state is shared between both builds (see its dist/esm/state.js), so the same
  // patch applied to the module we import reaches every client, whichever build it loaded.
  registerInstrumentations({ instrumentations: [instrumentation] });
  for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(coreTracing);
}
