import { defineConfig, devices } from "@playwright/test";
import { toolingEnv } from "./lib/env";

const tooling = toolingEnv();
// Ports of their own, so a running demo (3000/8443) does not collide with the test run.
export const E2E_APP_PORT = tooling.E2E_APP_PORT;
export const E2E_SIM_PORT = tooling.E2E_SIM_PORT;

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  // Separate per build dir, so parallel runs on one machine do not delete each other's artifacts.
  outputDir: `test-results${tooling.NEXT_DIST_DIR.slice(".next".length)}`,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: tooling.CI,
  timeout: 60_000,
  reporter: [["list"], ["html", { open: "never", outputFolder: `playwright-report${tooling.NEXT_DIST_DIR.slice(".next".length)}` }]],
  use: {
    baseURL: `http://localhost:${E2E_APP_PORT}`,
    ignoreHTTPSErrors: true,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: tooling.CHROMIUM_PATH,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--ignore-certificate-errors"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: "tsx scripts/launch.ts e2e",
    url: `http://localhost:${E2E_APP_PORT}/api/health`,
    env: { PORT: String(E2E_APP_PORT), SIM_PORT: String(E2E_SIM_PORT) },
    reuseExistingServer: false,
    timeout: 120_000,
    // The app and worker log every request and job; failures show in stderr and in the tests themselves.
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  },
});
