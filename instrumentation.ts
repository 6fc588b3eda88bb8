// Runs once when the server starts. Node-only work lives in its own module so the Edge build never sees it.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { validateEnvironmentOrExit } = await import("./lib/startup");
    validateEnvironmentOrExit();
    const { armShutdownDeadline } = await import("./lib/process/shutdown-deadline");
    armShutdownDeadline();
    // A registered tracer provider also makes Next.js emit its own request and render spans. Web instances export
    // traces only: the fleet's metrics come from the workers.
    const { startTelemetry } = await import("./lib/telemetry/setup");
    const telemetry = await startTelemetry({ serviceName: "cmk-web" });
    // Spans still batched when the platform stops this instance go out while Next drains its requests.
    if (telemetry.tracing) process.once("SIGTERM", () => void telemetry.forceFlush());
  }
}
