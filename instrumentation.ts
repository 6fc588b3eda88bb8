// Runs once when the server starts. Node-only work lives in its own module so the Edge build never sees it.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { validateEnvironmentOrExit } = await import("./lib/startup");
    validateEnvironmentOrExit();
    const { armShutdownDeadline } = await import("./lib/process/shutdown-deadline");
    armShutdownDeadline();
  }
}
